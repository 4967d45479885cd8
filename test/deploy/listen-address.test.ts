/**
 * Quire listens on loopback by default (src/settings/server.ts), so everything that runs it in a
 * container must say QUIRE_HOST=0.0.0.0: the image, compose and the Kubernetes ConfigMap.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DockerfileParser } from 'dockerfile-ast';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { ROOT } from '../helpers/process.js';

describe('listen address in deployments', () => {
  it('defaults to 127.0.0.1 when QUIRE_HOST is unset', () => {
    assert.equal(loadConfig({}).host, '127.0.0.1');
  });

  it('the runtime image sets QUIRE_HOST=0.0.0.0', () => {
    const dockerfile = DockerfileParser.parse(readFileSync(`${ROOT}Dockerfile`, 'utf8'));
    const runtime = dockerfile.getFROMs().at(-1);
    assert.ok(runtime !== undefined);
    const env = dockerfile
      .getENVs()
      .filter((instruction) => instruction.getRange().start.line > runtime.getRange().start.line)
      .flatMap((instruction) => instruction.getProperties())
      .map((property) => [property.getName(), property.getValue()]);
    assert.deepEqual(
      env.find(([name]) => name === 'QUIRE_HOST'),
      ['QUIRE_HOST', '0.0.0.0'],
    );
  });

  it('compose and the Kubernetes ConfigMap set QUIRE_HOST=0.0.0.0', () => {
    const compose = parse(readFileSync(`${ROOT}deploy/compose.yaml`, 'utf8')) as {
      'x-quire': { environment: Record<string, string> };
    };
    assert.equal(compose['x-quire'].environment.QUIRE_HOST, '0.0.0.0');
    const configMap = parse(
      readFileSync(`${ROOT}deploy/kubernetes/base/configmap.yaml`, 'utf8'),
    ) as { data: Record<string, string> };
    assert.equal(configMap.data.QUIRE_HOST, '0.0.0.0');
  });
});
