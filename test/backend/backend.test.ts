import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { initBackend, parseBackendName } from '../../src/backend/backend.js';
import { loadGraphModelFromFile, resolvePackageFile } from '../../src/backend/model-io.js';
import { SiamError } from '../../src/errors.js';

describe('backend', () => {
  it('starts the embedded wasm backend by default when tfjs-node is absent', async () => {
    const installed = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].filter((name) => {
      try {
        createRequire(import.meta.url).resolve(name);
        return true;
      } catch {
        return false;
      }
    });
    const info = await initBackend('auto');
    // CI and this machine have neither optional peer: wasm it must be; with one, the first found.
    expect(info.name).toBe(
      installed.length === 0 ? 'wasm' : installed[0] === '@tensorflow/tfjs-node-gpu' ? 'node-gpu' : 'node',
    );
  });

  it('rejects an unknown backend name with ERR_UNKNOWN_BACKEND', () => {
    expect(() => parseBackendName('cuda')).toThrowError(SiamError);
    try {
      parseBackendName('cuda');
    } catch (e) {
      expect((e as SiamError).code).toBe('ERR_UNKNOWN_BACKEND');
      expect((e as SiamError).message).toMatch(/cuda/);
    }
  });

  it('a missing model file gives ERR_MODEL_MISSING', async () => {
    await expect(loadGraphModelFromFile('/nonexistent/model.json')).rejects.toMatchObject({
      code: 'ERR_MODEL_MISSING',
    });
  });

  it('finds the MobileNetV3 trunk shipped by @vladmandic/human', () => {
    expect(resolvePackageFile('@vladmandic/human', 'models/centernet.json')).toMatch(/centernet\.json$/);
  });
});
