import { describe, expect, it } from 'vitest';
import { initBackend, parseBackendName } from '../../src/backend/backend.js';
import { loadGraphModelFromFile, resolvePackageFile } from '../../src/backend/model-io.js';
import { SiamError } from '../../src/errors.js';

describe('backend', () => {
  it('starts the embedded wasm backend by default when tfjs-node is absent', async () => {
    const info = await initBackend('auto');
    expect(['wasm', 'node', 'node-gpu']).toContain(info.name);
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
