/**
 * The clip classifier's front door (STYLE.md §1): label clips by actions you define from a handful
 * of examples. Two streams (appearance + optical flow, Simonyan & Zisserman 2014) with small 3D-conv
 * temporal heads (C3D, Tran et al. 2015). See docs/classifier.md.
 */
export { createClipClassifier, type ClipClassifier, type ClipClassifierOptions } from './classifier.js';
export { classifyClips, type ClassifyClipsOptions, type WindowClassifier } from './classify-clips.js';
export { trainClassifier, DEFAULT_TRAIN_OPTIONS, type TrainOptions, type TrainEvent } from './train.js';
export { saveClipModel, loadClipModel, disposeClipModel, type ClipModel } from './model.js';
export type { ClipModelConfig } from './config.js';
