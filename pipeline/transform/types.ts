/**
 * The push type table of reference/cloudlistcurllog.md: report names come from here, never from
 * the server's TypeStr (which is kept in the raw data and checked under data quality).
 */

export interface PushTypeName {
  code: number;
  /** 中文 name, as the reference table gives it */
  name: string;
  nameEn: string;
}

export const PUSH_TYPE_NAMES: readonly PushTypeName[] = [
  { code: 1, name: '来电推送', nameEn: 'Incoming call' },
  { code: 2, name: '来电响铃推送', nameEn: 'Incoming call ringing' },
  { code: 3, name: '外呼响铃推送', nameEn: 'Outbound call ringing' },
  { code: 4, name: 'webcall 转座席响铃推送', nameEn: 'Webcall transfer-to-agent ringing' },
  { code: 5, name: '来电接通推送', nameEn: 'Incoming call answered' },
  { code: 6, name: '外呼接通推送', nameEn: 'Outbound call answered' },
  { code: 7, name: '来电挂机推送', nameEn: 'Incoming call hang-up' },
  { code: 8, name: '外呼挂机推送', nameEn: 'Outbound call hang-up' },
  { code: 9, name: '座席状态推送', nameEn: 'Agent status' },
  { code: 10, name: '按键推送', nameEn: 'Keypress (DTMF)' },
  { code: 11, name: '号码状态识别推送', nameEn: 'Number status detection' },
  { code: 12, name: '录音状态推送', nameEn: 'Recording status' },
  { code: 13, name: 'HTTP 交互推送', nameEn: 'HTTP interaction' },
  { code: 14, name: '预测式外呼任务推送', nameEn: 'Predictive dialing task' },
  { code: 15, name: 'ASR 语音转换结果推送', nameEn: 'ASR transcription result' },
  { code: 16, name: 'webcall 客户侧响铃推送', nameEn: 'Webcall customer-side ringing' },
  { code: 17, name: '满意度调查推送', nameEn: 'Satisfaction survey' },
  { code: 18, name: '预测外呼客户接听状态推送', nameEn: 'Predictive dialing customer answer status' },
  { code: 19, name: 'NLU 推送', nameEn: 'NLU' },
  { code: 20, name: '预测外呼双方接听推送', nameEn: 'Predictive dialing both parties connected' },
  { code: 21, name: 'IVR 交互结束推送', nameEn: 'IVR interaction finished' },
  { code: 22, name: '外呼客户响铃推送', nameEn: 'Outbound customer ringing' },
  { code: 23, name: 'webcall 客户接听推送', nameEn: 'Webcall customer answered' },
  { code: 24, name: 'webcall 转接响铃推送', nameEn: 'Webcall transfer ringing' },
  { code: 25, name: 'webcall 转接接通推送', nameEn: 'Webcall transfer connected' },
  { code: 26, name: '主叫外呼分机响铃推送', nameEn: 'Caller-initiated outbound: extension ringing' },
  { code: 27, name: '主叫外呼分机接听推送', nameEn: 'Caller-initiated outbound: extension answered' },
  { code: 28, name: '主叫外呼客户响铃推送', nameEn: 'Caller-initiated outbound: customer ringing' },
  { code: 29, name: '主叫外呼双方接通推送', nameEn: 'Caller-initiated outbound: both connected' },
];

const BY_CODE = new Map(PUSH_TYPE_NAMES.map((t) => [t.code, t]));

/** True for the codes of the table (1..29). */
export function isKnownType(code: number): boolean {
  return BY_CODE.has(code);
}

/** The names of a type code; a code outside the table is "Type N" in both languages. */
export function typeNameOf(code: number): PushTypeName {
  return BY_CODE.get(code) ?? { code, name: `Type ${code}`, nameEn: `Type ${code}` };
}
