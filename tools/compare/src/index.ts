export { parseQuestions, type Question, type QuestionsError } from './questions.ts';
export { compareResponses, recordKey, describeResponse, type CompareOptions, type Difference, type Response } from './diff.ts';
export { compareServers, type AskOptions, type Outcome } from './compare.ts';
export { findCoredns, corednsCorefile, startCoredns, type Coredns, type CorednsPorts } from './coredns.ts';
