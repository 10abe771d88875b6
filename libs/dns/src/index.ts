export type { RcodeName } from './rcode.ts';
export { rcodeName } from './rcode.ts';
export type { NameError } from './name.ts';
export { nameLabels } from './name.ts';
export type { DnsQuery, QueryEdns, QueryError, DecodeResult } from './decode.ts';
export { decodeQuery, errorReply } from './decode.ts';
export type { EdnsOption, ResponseEdns, ResponseQuestion, ResponseMessage, EncodeError, EncodeResult } from './encode.ts';
export { encodeResponse, DEFAULT_UDP_SIZE, MAX_MESSAGE_SIZE } from './encode.ts';
export type { WireQuestion, WireScan, WireEdns, UniformAnswers, WireRecord } from './question-key.ts';
export {
  readWireQuestion,
  scanWireQuestion,
  WireScanScratch,
  foldedHash,
  foldedQuestion,
  sameFoldedQuestion,
  replyClass,
  answerFromEncoded,
  writeAnswerFromEncoded,
  uniformAnswers,
  shuffleAnswersOnWire,
  wireQuestionKey,
  wireQuestionName,
  wireRecords,
} from './question-key.ts';
export { frameTcp, TcpMessageReader } from './tcp.ts';
export { typeNumber, classNumber } from './codec.ts';
export { REVISION_OPTION, EDE_NOT_READY, readRevision, readExtendedError, revisionOptionData, withRevision } from './revision-option.ts';
