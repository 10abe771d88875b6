export { parseQuestions, type Question, type QuestionsError } from './questions.ts';
export { compareResponses, recordKey, describeResponse, type CompareOptions, type Difference, type Response } from './diff.ts';
export { compareServers, type AskOptions, type Outcome } from './compare.ts';
export { generatedCluster, type GeneratedCluster } from './generated.ts';
export { differenceKinds, shapeOf, type DifferenceKind } from './summary.ts';
