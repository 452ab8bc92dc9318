/** OTB evaluation: metrics (pure), attribute tags, box files, the success plot and the evaluation run. */
export {
  OTB_THRESHOLDS,
  OTB_PRECISION_PX,
  iou,
  centreError,
  successCurve,
  successAuc,
  precisionAt,
  scoreSequence,
  isValidGt,
  type GroundTruthBox,
  type SequenceScore,
} from './metrics.js';
export {
  parseGroundTruth,
  readGroundTruth,
  writeGroundTruth,
  firstValidBox,
  formatBoxLine,
} from './groundtruth.js';
export { renderSuccessPlot, type SuccessCurveSeries, type SuccessPlotOptions } from './success-plot.js';
export { listSequences, type SequenceEntry } from './sequences.js';
export { summaryJson, type AttributeSummary, type EvalSummary, type SequenceSummary } from './summary.js';
export { formatSummaryTable } from './summary-table.js';
export { deriveAttributes, type SequenceAttribute } from './attributes.js';
export type { LostVsAbsent, PooledLostVsAbsent } from './lost-vs-absent.js';
export { runEval, trackSequence, type EvalOptions, type EvalProgress } from './run-eval.js';
