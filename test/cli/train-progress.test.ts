/** `siamstream train`'s stderr lines when there is no progress bar (stderr not a TTY). */
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/train.js';

describe('train progress lines', () => {
  it('says when the feature pass starts and ends, and prints every epoch with its loss', () => {
    const features = (done: number) => progressLine({ phase: 'features', done, total: 20, file: 'a.mp4' });
    expect(features(1)).toBe('train: features of 20 clips…');
    expect(features(7)).toBeUndefined();
    expect(features(20)).toBe('train: features done (20 clips)');
    expect(progressLine({ phase: 'train', epoch: 3, epochs: 20, loss: 0.41234, valAccuracy: 0.8 })).toBe(
      'train: epoch 3/20, loss 0.4123, validation accuracy 0.800',
    );
    expect(progressLine({ phase: 'train', epoch: 1, epochs: 2, loss: 1 })).toBe(
      'train: epoch 1/2, loss 1.0000',
    );
  });
});
