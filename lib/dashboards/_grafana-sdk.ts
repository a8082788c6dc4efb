/**
 * The Grafana Foundation SDK (`@grafana/grafana-foundation-sdk`, pinned in package.json), loaded
 * through its package `exports` subpaths (`/dashboard`, `/prometheus`, ...). The package ships
 * CommonJS but no root entry and no `typesVersions`, so under this project's
 * `moduleResolution: node` the types are taken from the files (`dist/<module>`), the values from
 * the exported subpaths Node resolves.
 * @internal
 */
import type * as cogTypes from '@grafana/grafana-foundation-sdk/dist/cog';
import type * as dashboardTypes from '@grafana/grafana-foundation-sdk/dist/dashboard';
import type * as prometheusTypes from '@grafana/grafana-foundation-sdk/dist/prometheus';
import type * as statTypes from '@grafana/grafana-foundation-sdk/dist/stat';
import type * as timeseriesTypes from '@grafana/grafana-foundation-sdk/dist/timeseries';

/* eslint-disable @typescript-eslint/no-require-imports */
export const dashboard: typeof dashboardTypes = require('@grafana/grafana-foundation-sdk/dashboard');
export const prometheus: typeof prometheusTypes = require('@grafana/grafana-foundation-sdk/prometheus');
export const timeseries: typeof timeseriesTypes = require('@grafana/grafana-foundation-sdk/timeseries');
export const stat: typeof statTypes = require('@grafana/grafana-foundation-sdk/stat');
/* eslint-enable @typescript-eslint/no-require-imports */

export type Dashboard = dashboardTypes.Dashboard;
export type PanelBuilder = cogTypes.Builder<dashboardTypes.Panel>;
export type DataSourceRef = dashboardTypes.DataSourceRef;
