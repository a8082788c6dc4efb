/*
 * The public shapes of a dashboard panel, query and variable (`ServingDashboards.addPanel()`,
 * `addVariable()`), kept apart from the rendering so that the library's declarations do not
 * reference the Grafana SDK.
 */

/** How a panel draws its queries. */
export enum PanelKind {
  /** A graph over time. */
  TIMESERIES = 'timeseries',
  /** One big number (the last value). */
  STAT = 'stat',
}

/** One PromQL query of a panel. */
export interface DashboardQuery {
  /** The PromQL expression; Grafana variables (`$namespace`) and `$__rate_interval` may appear. */
  readonly expr: string;
  /**
   * The legend (`{{label}}` placeholders).
   * @default - Grafana's default (the series labels)
   */
  readonly legend?: string;
}

/** One panel of a dashboard. */
export interface DashboardPanel {
  /** The row the panel sits in (created when new). */
  readonly row: string;
  /** The panel title, unique in its dashboard. */
  readonly title: string;
  /**
   * What question the panel answers (the panel description).
   * @default - no description
   */
  readonly description?: string;
  /**
   * How the panel draws.
   * @default PanelKind.TIMESERIES
   */
  readonly kind?: PanelKind;
  /**
   * The Grafana unit id (`reqps`, `s`, `percentunit`, `short`, `decmbytes`, `celsius`, `currencyUSD`).
   * @default 'short'
   */
  readonly unit?: string;
  /** The queries, at least one. */
  readonly queries: DashboardQuery[];
}

/** A template variable of a dashboard (besides `datasource`). */
export interface DashboardVariable {
  /** The variable name, referenced as `$name` in queries. */
  readonly name: string;
  /**
   * The label shown above the picker.
   * @default - the variable name
   */
  readonly label?: string;
  /** The values to pick from (a custom variable); at least one. */
  readonly values: string[];
}
