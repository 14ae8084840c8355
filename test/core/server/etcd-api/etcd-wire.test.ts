import { describe, expect, it } from 'vitest';
import { lazyEtcdServices, loadEtcdDefinitions } from '../../../../src/core/server/etcd-api/etcd-wire.js';

describe('the etcd services a member registers before loading the protos', () => {
  const lazy = lazyEtcdServices();
  const loaded = loadEtcdDefinitions();

  it('name every service and method of proto/etcd, with their paths and streaming', () => {
    const services = Object.keys(loaded).filter((k) => 'service' in loaded[k as keyof typeof loaded]);
    expect(Object.keys(lazy).sort()).toEqual(services.sort());
    for (const [service, definition] of Object.entries(lazy)) {
      const real = loaded[service as keyof typeof loaded].service;
      expect(Object.keys(definition).sort(), service).toEqual(Object.keys(real).sort());
      for (const [name, method] of Object.entries(definition)) {
        const { path, requestStream, responseStream, originalName } = real[name]!;
        expect({ path: method.path, requestStream: method.requestStream, responseStream: method.responseStream, originalName: method.originalName }, `${service}.${name}`).toEqual({
          path,
          requestStream,
          responseStream,
          originalName,
        });
      }
    }
  });

  it('encode and decode as the loaded definitions do', () => {
    const put = { key: Buffer.from('k'), value: Buffer.from('v'), lease: '7', prevKv: true };
    const bytes = lazy.KV.Put!.requestSerialize(put);
    expect(bytes).toEqual(loaded.KV.service.Put!.requestSerialize(put));
    expect(lazy.KV.Put!.requestDeserialize(bytes)).toEqual(loaded.KV.service.Put!.requestDeserialize(bytes));
    const answer = { header: { revision: '3', raftTerm: '2', clusterId: '1', memberId: '9' }, kvs: [], more: false, count: '0' };
    expect(lazy.KV.Range!.responseSerialize(answer)).toEqual(loaded.KV.service.Range!.responseSerialize(answer));
  });
});
