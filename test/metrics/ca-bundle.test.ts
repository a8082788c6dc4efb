import { CaBundle, CaBundleSource } from '../../lib';

describe('CaBundle', () => {
  test('fromConfigMap, fromSecret and OpenShift\'s service CA', () => {
    expect(CaBundle.fromConfigMap('prom-ca', 'ca.crt')).toMatchObject({ source: CaBundleSource.CONFIG_MAP, name: 'prom-ca', key: 'ca.crt' });
    expect(CaBundle.fromSecret({ secretName: 'prom-ca', key: 'ca.crt' })).toMatchObject({ source: CaBundleSource.SECRET, name: 'prom-ca', key: 'ca.crt' });
    expect(CaBundle.openShiftServiceCa()).toMatchObject({ source: CaBundleSource.CONFIG_MAP, name: 'openshift-service-ca.crt', key: 'service-ca.crt' });
  });

  test.each([
    [() => CaBundle.fromConfigMap('Prom_CA', 'ca.crt'), '\'ca.configMapName\' ("Prom_CA")'],
    [() => CaBundle.fromConfigMap(5 as unknown as string, 'ca.crt'), '\'ca.configMapName\' (5) must be a ConfigMap name: a DNS-1123 subdomain'],
    [() => CaBundle.fromConfigMap('prom-ca', 'ca crt'), '\'ca.key\' ("ca crt") must be a valid ConfigMap key: alphanumerics, \'-\', \'_\' or \'.\''],
    [() => CaBundle.fromSecret(undefined as unknown as { secretName: string; key: string }), '\'ca\' (undefined) must be a SecretKeyRef { secretName, key }'],
    [() => CaBundle.fromSecret({ secretName: 'prom-ca', key: 'a/b' }), '\'ca.key\' ("a/b") must be a valid Secret key: alphanumerics, \'-\', \'_\' or \'.\''],
  ])('%#: bad input names the prop', (make, message) => {
    expect(make).toThrow(message);
  });
});
