export { lossCurvesSvg, metaTrainingSvg, logTicks, linearTicks, escapeXml, PALETTE } from './plot-svg.js';
export type { LossCurvesSvgOptions, MetaTrainingSvgOptions, MetaTrainingPoint } from './plot-svg.js';
export { evaluationTable, formatTable, formatNumber } from './report-table.js';
export type { EvaluationTableOptions, TableFormat, ColumnAlign } from './report-table.js';
