/** The desktop app's --ca-file option. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caFileArgument } from '../../electron/main/commandLine.ts';

test('--ca-file FILE and --ca-file=FILE are read from the argv Electron passes through', () => {
  assert.equal(caFileArgument(['/usr/bin/electron', '.', '--ca-file', '/tmp/ca.pem']), '/tmp/ca.pem');
  assert.equal(caFileArgument(['cos-sync', '--ca-file=/tmp/ca.pem']), '/tmp/ca.pem');
  assert.equal(caFileArgument(['cos-sync', '--inspect']), undefined);
  assert.equal(caFileArgument(['cos-sync', '--ca-file=']), undefined);
});
