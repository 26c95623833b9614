/**
 * The Params of a generated push: JSON text shaped by the push type, with the Chinese content a
 * call center sends (agent names, hotlines, call ids). Built only from the delivery's seed and its
 * first attempt's time, so every attempt of a delivery carries byte-identical Params (the
 * delivery key of metrics.md is Type, Url, Method, Params).
 */
import { Rng } from './random.js';

const AGENT_NAMES = [
  '张伟',
  '王芳',
  '李娜',
  '刘洋',
  '陈静',
  '杨磊',
  '赵敏',
  '黄丽',
  '周杰',
  '吴婷',
  '徐强',
  '孙悦',
  '马超',
  '朱琳',
  '胡斌',
  '郭倩',
  '何欢',
  '高翔',
  '林晓',
  '罗佳',
] as const;
const PLACES = [
  ['江苏', '南京'],
  ['浙江', '杭州'],
  ['广东', '深圳'],
  ['上海', '上海'],
  ['北京', '北京'],
  ['四川', '成都'],
  ['湖北', '武汉'],
  ['山东', '青岛'],
  ['福建', '厦门'],
  ['陕西', '西安'],
] as const;
const HOTLINES = ['4008206677', '02568889900', '4001185566', '057188776655'] as const;
const IVR_NAMES = ['主IVR', '售后服务IVR', '会员专线IVR', '夜间IVR'] as const;
const IVR_PATHS = [
  '欢迎语>主菜单>人工服务',
  '欢迎语>主菜单>订单查询',
  '欢迎语>会员验证>人工服务',
  '欢迎语>投诉建议',
] as const;
const AGENT_STATES = [
  ['空闲', ''],
  ['置忙', '小休'],
  ['置忙', '培训'],
  ['置忙', '午餐'],
  ['整理', ''],
  ['通话中', ''],
  ['离线', ''],
] as const;
const INBOUND_STATUS = ['座席接听', '座席接听', '座席接听', '客户放弃', 'IVR中放弃', '排队超时'] as const;
const OUTBOUND_STATUS = ['双方接听', '双方接听', '客户未接听', '座席未接听', '客户忙'] as const;
const END_REASONS = ['客户挂机', '座席挂机', '客户挂机', '系统挂机'] as const;
const SENTENCES = [
  '您好，请问有什么可以帮您？',
  '我想查询一下我的订单物流信息。',
  '好的，请您提供一下订单号。',
  '上周买的空调还没有安装，师傅什么时候上门？',
  '非常抱歉给您带来不便，我这边马上为您催促。',
  '我要投诉，快递员态度很差。',
  '请问会员积分怎么兑换？',
  '感谢您的来电，祝您生活愉快，再见。',
] as const;
const INTENTS = [
  ['查询订单', '订单号'],
  ['预约安装', '预约日期'],
  ['投诉建议', '投诉对象'],
  ['积分兑换', '商品名称'],
] as const;
const TASKS = ['四月会员回访', '新品推广外呼', '满意度回访', '欠费提醒', '活动邀约'] as const;
const NUMBER_STATES = ['正常', '正常', '空号', '停机', '关机', '来电提醒'] as const;
const TASK_STATES = ['执行中', '已暂停', '已完成'] as const;
const ANSWER_STATES = ['已接听', '未接听', '忙线'] as const;
const SURVEY = [
  ['1', '非常满意'],
  ['2', '满意'],
  ['3', '一般'],
  ['4', '不满意'],
] as const;

/** Types whose pushes are not about one call, so they have no call UniqueId. */
const NON_CALL_TYPES = new Set([9, 14]);

export interface DeliveryContent {
  /** JSON text of the pushed parameters */
  params: string;
  /** call unique id; '""' (the literal two characters) or '' when the push has none */
  uniqueId: string;
}

const MOBILE_PREFIXES = ['138', '139', '150', '158', '186', '187', '189'] as const;

function customerNumber(rng: Rng): string {
  return `${rng.pick(MOBILE_PREFIXES)}${rng.digits(8)}`;
}

/** Params and UniqueId of one delivery. `firstAttemptMs` is when the delivery was first attempted. */
export function buildDeliveryContent(
  type: number,
  enterpriseId: string,
  chainSeed: number,
  firstAttemptMs: number,
): DeliveryContent {
  const rng = new Rng(chainSeed);
  // The event happened a moment before the push was first attempted.
  const eventSec = Math.floor((firstAttemptMs - rng.between(50, 900)) / 1000);
  const callSec = eventSec - (type === 7 || type === 8 ? rng.between(30, 900) : rng.between(0, 20));
  const callId = `10.30.12.${rng.between(11, 28)}-${callSec}.${rng.between(1000, 9999)}`;
  const agentIndex = rng.int(AGENT_NAMES.length * 5);
  const place = rng.pick(PLACES);
  const parts: Parts = {
    rng,
    cno: String(1001 + agentIndex),
    agentName: AGENT_NAMES[agentIndex % AGENT_NAMES.length] ?? '张伟',
    customerNumber: customerNumber(rng),
    province: place[0],
    city: place[1],
    hotline: rng.pick(HOTLINES),
    at: String(eventSec),
    callSec,
    eventSec,
  };
  const callless = NON_CALL_TYPES.has(type);
  // Fields are written one by one into one object (no spreads): this runs for every record of a page.
  const params: Record<string, unknown> = { enterpriseId };
  if (!callless) params.uniqueId = callId;
  writeParams(type, parts, params);
  const uniqueId = callless ? (rng.chance(0.8) ? '""' : '') : callId;
  return { params: JSON.stringify(params), uniqueId };
}

interface Parts {
  rng: Rng;
  cno: string;
  agentName: string;
  customerNumber: string;
  province: string;
  city: string;
  hotline: string;
  /** the event's time, epoch seconds as text */
  at: string;
  callSec: number;
  eventSec: number;
}

type Out = Record<string, unknown>;

function writeCaller(p: Parts, o: Out): void {
  o.customerNumber = p.customerNumber;
  o.customerProvince = p.province;
  o.customerCity = p.city;
  o.hotline = p.hotline;
}

function writeAgent(p: Parts, o: Out): void {
  o.cno = p.cno;
  o.agentName = p.agentName;
}

/** Outbound calls show the hotline to the customer (clid). */
function writeOutbound(p: Parts, o: Out): void {
  o.customerNumber = p.customerNumber;
  o.clid = p.hotline;
  writeAgent(p, o);
}

function writeHangup(type: 7 | 8, p: Parts, o: Out): void {
  const { rng } = p;
  const answered = rng.chance(0.8);
  if (type === 7) {
    writeCaller(p, o);
    writeAgent(p, o);
  } else writeOutbound(p, o);
  o.callType = type === 7 ? '呼入' : '外呼';
  o.startTime = String(p.callSec);
  o.answerTime = answered ? String(p.callSec + rng.between(3, 40)) : '0';
  o.endTime = p.at;
  o.bridgeDuration = String(answered ? rng.between(15, 600) : 0);
  o.totalDuration = String(p.eventSec - p.callSec);
  o.status = type === 7 ? rng.pick(INBOUND_STATUS) : rng.pick(OUTBOUND_STATUS);
  o.endReason = rng.pick(END_REASONS);
  o.recordFile = answered ? recordFile(p) : '';
}

function recordFile(p: Parts): string {
  return `record/${String(p.callSec).slice(0, 6)}/${p.rng.hex(16)}.mp3`;
}

function writeParams(type: number, p: Parts, o: Out): void {
  const { rng, at } = p;
  switch (type) {
    case 1:
      writeCaller(p, o);
      o.callType = '呼入';
      o.ivrName = rng.pick(IVR_NAMES);
      o.startTime = at;
      return;
    case 2:
    case 5:
      writeCaller(p, o);
      writeAgent(p, o);
      o.callType = '呼入';
      o[type === 2 ? 'ringTime' : 'bridgeTime'] = at;
      return;
    case 3:
    case 6:
      writeOutbound(p, o);
      o.callType = '外呼';
      o[type === 3 ? 'ringTime' : 'bridgeTime'] = at;
      return;
    case 4:
    case 24:
      o.webcallId = `wc${rng.digits(10)}`;
      writeCaller(p, o);
      writeAgent(p, o);
      o.ringTime = at;
      return;
    case 7:
    case 8:
      writeHangup(type, p, o);
      return;
    case 9: {
      const [state, reason] = rng.pick(AGENT_STATES);
      writeAgent(p, o);
      o.state = state;
      o.pauseDescription = reason;
      o.stateTime = at;
      o.loginType = '软电话';
      o.exten = `8${p.cno.slice(1)}`;
      return;
    }
    case 10:
      o.customerNumber = p.customerNumber;
      o.ivrName = rng.pick(IVR_NAMES);
      o.ivrNode = '主菜单';
      o.keys = String(rng.int(10));
      o.pressTime = at;
      return;
    case 11:
      o.customerNumber = p.customerNumber;
      o.numberStatus = rng.pick(NUMBER_STATES);
      o.detectTime = at;
      return;
    case 12:
      writeAgent(p, o);
      o.recordFile = recordFile(p);
      o.recordStatus = '录音完成';
      o.duration = String(rng.between(10, 900));
      return;
    case 13:
      o.customerNumber = p.customerNumber;
      o.interfaceName = '查询会员等级';
      o.requestData = JSON.stringify({ phone: p.customerNumber, hotline: p.hotline });
      o.requestTime = at;
      return;
    case 14:
      o.taskId = String(rng.between(100, 999));
      o.taskName = rng.pick(TASKS);
      o.taskStatus = rng.pick(TASK_STATES);
      o.totalCount = String(rng.between(200, 5000));
      o.calledCount = String(rng.between(0, 200));
      o.updateTime = at;
      return;
    case 15: {
      writeAgent(p, o);
      o.customerNumber = p.customerNumber;
      const sentences: { role: string; text: string }[] = [];
      for (let k = rng.between(2, 4); k > 0; k--) {
        sentences.push({ role: sentences.length % 2 === 0 ? '座席' : '客户', text: rng.pick(SENTENCES) });
      }
      o.sentences = sentences;
      o.finishTime = at;
      return;
    }
    case 16:
    case 23:
      o.webcallId = `wc${rng.digits(10)}`;
      o.customerNumber = p.customerNumber;
      o.eventTime = at;
      return;
    case 17: {
      const [keys, evaluation] = rng.pick(SURVEY);
      writeAgent(p, o);
      o.customerNumber = p.customerNumber;
      o.keys = keys;
      o.evaluation = evaluation;
      o.surveyTime = at;
      return;
    }
    case 18:
      o.taskId = String(rng.between(100, 999));
      o.customerNumber = p.customerNumber;
      o.answerStatus = rng.pick(ANSWER_STATES);
      o.eventTime = at;
      return;
    case 19: {
      const [intent, slot] = rng.pick(INTENTS);
      o.customerNumber = p.customerNumber;
      o.intent = intent;
      o.slots = JSON.stringify({ [slot]: rng.digits(8) });
      o.confidence = (0.6 + rng.next() * 0.39).toFixed(2);
      return;
    }
    case 20:
      o.taskId = String(rng.between(100, 999));
      writeOutbound(p, o);
      o.bridgeTime = at;
      return;
    case 21:
      o.customerNumber = p.customerNumber;
      o.ivrName = rng.pick(IVR_NAMES);
      o.ivrPath = rng.pick(IVR_PATHS);
      o.endTime = at;
      return;
    case 22:
      writeOutbound(p, o);
      o.ringTime = at;
      return;
    case 25:
      o.webcallId = `wc${rng.digits(10)}`;
      writeAgent(p, o);
      o.bridgeTime = at;
      return;
    default:
      // 26..29: caller-initiated outbound (the agent's extension dials first)
      writeOutbound(p, o);
      o.exten = `8${p.cno.slice(1)}`;
      o.eventTime = at;
  }
}
