// One proxy's ADS stream as the xDS protocol has it (envoy/ads-stream.ts):
// the exchanges Envoy makes — subscribe, ACK, NACK, reconnect, a stale
// nonce — and the responses they get, in order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_STREAM, onRequest, onSnapshot, syncStatus, type StreamState, type TypeSnapshot } from '../../src/envoy/ads-stream.js';

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const v = (version: string): TypeSnapshot => ({ version, resources: [{ name: `listener-${version}` }] });

describe('an ADS stream', () => {
  it('answers a subscription with the snapshot, and counts an ACK as the running version', () => {
    const first = onRequest(EMPTY_STREAM, { type_url: LDS, version_info: '' }, v('1'));
    assert.equal(first.event, 'subscribe');
    assert.deepEqual(first.response, { type_url: LDS, version_info: '1', nonce: '1', resources: [{ name: 'listener-1' }] });
    const ack = onRequest(first.state, { type_url: LDS, version_info: '1', response_nonce: '1' }, v('1'));
    assert.equal(ack.event, 'ack');
    assert.equal(ack.response, undefined, 'nothing new: no response');
    assert.equal(ack.state.types[LDS]?.acked, '1');
    assert.equal(syncStatus(ack.state.types[LDS], '1'), 'SYNCED');
  });

  it('pushes a new snapshot with a new nonce, and the version stays STALE until ACKed', () => {
    let state: StreamState = onRequest(EMPTY_STREAM, { type_url: LDS }, v('1')).state;
    state = onRequest(state, { type_url: LDS, version_info: '1', response_nonce: '1' }, v('1')).state;
    const push = onSnapshot(state, LDS, v('2'));
    assert.deepEqual(push.response, { type_url: LDS, version_info: '2', nonce: '2', resources: [{ name: 'listener-2' }] });
    assert.equal(syncStatus(push.state.types[LDS], '2'), 'STALE');
    assert.equal(onSnapshot(push.state, LDS, v('2')).response, undefined, 'the same version is not sent twice');
    const acked = onRequest(push.state, { type_url: LDS, version_info: '2', response_nonce: '2' }, v('2'));
    assert.equal(syncStatus(acked.state.types[LDS], '2'), 'SYNCED');
  });

  it('a NACK keeps the last good version, is recorded, and never causes the same push again', () => {
    let state: StreamState = onRequest(EMPTY_STREAM, { type_url: LDS }, v('1')).state;
    state = onRequest(state, { type_url: LDS, version_info: '1', response_nonce: '1' }, v('1')).state;
    state = onSnapshot(state, LDS, v('2')).state;
    const nack = onRequest(state, { type_url: LDS, version_info: '1', response_nonce: '2', error_detail: { code: 3, message: 'bad listener' } }, v('2'));
    assert.equal(nack.event, 'nack');
    assert.equal(nack.response, undefined, 'no push loop');
    assert.equal(nack.state.types[LDS]?.acked, '1');
    assert.deepEqual(nack.state.types[LDS]?.nacked, { version: '2', message: 'bad listener' });
    assert.equal(syncStatus(nack.state.types[LDS], '2'), 'NACKED');
    assert.equal(onSnapshot(nack.state, LDS, v('2')).response, undefined);
    // A fixed snapshot goes out, and its ACK clears the refusal.
    const fixed = onSnapshot(nack.state, LDS, v('3'));
    assert.equal(fixed.response?.version_info, '3');
    const acked = onRequest(fixed.state, { type_url: LDS, version_info: '3', response_nonce: fixed.response?.nonce ?? '' }, v('3'));
    assert.equal(acked.state.types[LDS]?.nacked, undefined);
    assert.equal(syncStatus(acked.state.types[LDS], '3'), 'SYNCED');
  });

  it('a NACK when a newer snapshot already waits sends the newer one', () => {
    let state: StreamState = onRequest(EMPTY_STREAM, { type_url: LDS }, v('1')).state;
    const nack = onRequest(state, { type_url: LDS, version_info: '', response_nonce: '1', error_detail: { message: 'no' } }, v('2'));
    assert.equal(nack.event, 'nack');
    assert.equal(nack.response?.version_info, '2');
    state = nack.state;
    assert.equal(state.types[LDS]?.nacked?.version, '1');
  });

  it('a request answering an older response is stale and changes nothing', () => {
    let state: StreamState = onRequest(EMPTY_STREAM, { type_url: LDS }, v('1')).state;
    state = onSnapshot(state, LDS, v('2')).state;
    const stale = onRequest(state, { type_url: LDS, version_info: '1', response_nonce: '1' }, v('2'));
    assert.equal(stale.event, 'stale');
    assert.equal(stale.state, state);
    assert.equal(stale.response, undefined);
  });

  it('a reconnect that already runs the version gets nothing until something changes', () => {
    const reconnect = onRequest(EMPTY_STREAM, { type_url: LDS, version_info: '1' }, v('1'));
    assert.equal(reconnect.event, 'subscribe');
    assert.equal(reconnect.response, undefined);
    assert.equal(reconnect.state.types[LDS]?.acked, '1');
    assert.equal(onSnapshot(reconnect.state, LDS, v('2')).response?.version_info, '2');
  });

  it('keeps each type apart, with one nonce counter for the stream', () => {
    const lds = onRequest(EMPTY_STREAM, { type_url: LDS }, v('1'));
    const cds = onRequest(lds.state, { type_url: CDS, resource_names: [] }, { version: 'a', resources: [] });
    assert.equal(cds.response?.nonce, '2');
    assert.equal(onSnapshot(cds.state, 'type.googleapis.com/other', v('1')).response, undefined, 'a type never asked for is never pushed');
    assert.equal(syncStatus(cds.state.types['type.googleapis.com/other'], '1'), 'NOT SENT');
  });

  it('waits for a snapshot when there is none yet, then sends it', () => {
    const waiting = onRequest(EMPTY_STREAM, { type_url: LDS }, undefined);
    assert.equal(waiting.response, undefined);
    assert.equal(onSnapshot(waiting.state, LDS, v('1')).response?.nonce, '1');
  });

  it('records the resource names each request asks for, none meaning all', () => {
    const named = onRequest(EMPTY_STREAM, { type_url: CDS, resource_names: ['a', 'b'] }, v('1'));
    assert.deepEqual(named.state.types[CDS]?.names, ['a', 'b']);
    const acked = onRequest(named.state, { type_url: CDS, version_info: '1', response_nonce: '1', resource_names: ['a'] }, v('1'));
    assert.deepEqual(acked.state.types[CDS]?.names, ['a']);
    const all = onRequest(acked.state, { type_url: CDS, version_info: '1', response_nonce: '1' }, v('1'));
    assert.deepEqual(all.state.types[CDS]?.names, []);
  });

  it('reads an empty nonce as a new subscription, as Envoy sends its first request', () => {
    const first = onRequest(EMPTY_STREAM, { type_url: LDS }, v('1'));
    const again = onRequest(first.state, { type_url: LDS, version_info: '', response_nonce: '' }, v('1'));
    assert.equal(again.event, 'subscribe');
    assert.equal(again.response?.version_info, '1', 'answered again: it runs nothing yet');
    assert.equal(again.response?.nonce, '2');
    // A nonce for a type never subscribed to subscribes it.
    const other = onRequest(EMPTY_STREAM, { type_url: CDS, response_nonce: '9' }, v('1'));
    assert.equal(other.event, 'subscribe');
    assert.equal(other.response?.nonce, '1');
  });

  it('takes a request with a nonce of another response, before anything was sent, as stale', () => {
    const waiting = onRequest(EMPTY_STREAM, { type_url: LDS }, undefined);
    const stale = onRequest(waiting.state, { type_url: LDS, version_info: '', response_nonce: '1' }, undefined);
    assert.equal(stale.event, 'stale');
  });

  it('records a NACK without a message as an empty one', () => {
    const sent = onRequest(EMPTY_STREAM, { type_url: LDS }, v('1'));
    const nack = onRequest(sent.state, { type_url: LDS, version_info: '', response_nonce: '1', error_detail: { code: 3 } }, v('1'));
    assert.deepEqual(nack.state.types[LDS]?.nacked, { version: '1', message: '' });
    assert.equal(nack.response, undefined);
  });

  it('an ACK of the version already current sends nothing; of an older one, the current', () => {
    let state: StreamState = onRequest(EMPTY_STREAM, { type_url: LDS }, v('1')).state;
    const same = onRequest(state, { type_url: LDS, version_info: '1', response_nonce: '1' }, v('1'));
    assert.equal(same.response, undefined);
    state = same.state;
    const newer = onRequest(state, { type_url: LDS, version_info: '1', response_nonce: '1' }, v('2'));
    assert.equal(newer.event, 'ack');
    assert.equal(newer.response?.version_info, '2');
  });

  it('a snapshot of the version just sent is not sent again, and the state stays as it was', () => {
    const sent = onRequest(EMPTY_STREAM, { type_url: LDS }, v('1'));
    const again = onSnapshot(sent.state, LDS, v('1'));
    assert.equal(again.response, undefined);
    assert.equal(again.state, sent.state);
  });

  it('is SYNCED only when the ACKed version is the current one, and NACKED only for the version sent', () => {
    assert.equal(syncStatus({ names: [], sent: { version: '2', nonce: '2' }, acked: '1' }, '2'), 'STALE');
    assert.equal(syncStatus({ names: [], sent: { version: '2', nonce: '2' } }, '2'), 'STALE', 'sent, not ACKed yet');
    assert.equal(
      syncStatus({ names: [], sent: { version: '3', nonce: '3' }, acked: '1', nacked: { version: '2', message: 'x' } }, '3'),
      'STALE',
      'a newer version went out after the NACK',
    );
    assert.equal(syncStatus({ names: [], sent: { version: '2', nonce: '2' }, acked: '2' }, '3'), 'STALE', 'a newer snapshot waits');
    assert.equal(syncStatus({ names: [], sent: { version: '2', nonce: '2' }, acked: '2' }, '2'), 'SYNCED');
  });
});
