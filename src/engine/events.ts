import { EventEmitter } from 'node:events';
import { nowNs } from '../common/time.js';
import { matchAny, matchLabels, type Filters } from './filters.js';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon';

/** One engine event, in the shape `GET /events` sends (legacy and new fields together). */
export interface EngineEvent {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  /** Nanoseconds since the epoch: beyond a double's precision, so kept as a bigint. */
  timeNano: bigint;
  status?: string;
  id?: string;
  from?: string;
}

const keepRecent = 1024;

/**
 * The daemon's event stream. Recent events are kept in a ring so `events --since` can replay them;
 * subscribers get every new event as it is published.
 */
export class EventBus {
  private readonly recent: EngineEvent[] = [];
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const ns = nowNs();
    const ev: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(ns / 1_000_000_000n),
      timeNano: ns,
    };
    if (type === 'container' || type === 'image') {
      // Docker's legacy fields, still read by older clients.
      ev.status = action;
      ev.id = id;
      if (type === 'container' && attributes['image']) ev.from = attributes['image'];
    }
    this.recent.push(ev);
    if (this.recent.length > keepRecent) this.recent.shift();
    this.emitter.emit('event', ev);
    return ev;
  }

  /** Events already published with since < time <= until (nanoseconds). */
  replay(sinceNs: bigint | undefined, untilNs: bigint | undefined): EngineEvent[] {
    return this.recent.filter((e) => (sinceNs === undefined || e.timeNano >= sinceNs) && (untilNs === undefined || e.timeNano <= untilNs));
  }

  subscribe(fn: (e: EngineEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}

/** The event as `GET /events` sends it, with timeNano written out exactly. */
export function eventJson(e: EngineEvent): string {
  return JSON.stringify({ ...e, timeNano: 0 }).replace(/"timeNano":0(?=[,}])/, `"timeNano":${e.timeNano}`);
}

/** Docker's event filters: type, event/action, container, image, label, network, volume, daemon. */
export function eventMatches(e: EngineEvent, f: Filters): boolean {
  const attrs = e.Actor.Attributes;
  if (!matchAny(f.get('type'), (v) => v === e.Type)) return false;
  if (!matchAny(f.get('event'), (v) => v === e.Action || e.Action.startsWith(`${v}:`))) return false;
  if (f.has('container') && !(e.Type === 'container' && matchAny(f.get('container'), (v) => e.Actor.ID.startsWith(v) || attrs['name'] === v))) return false;
  if (f.has('image') && !matchAny(f.get('image'), (v) => attrs['image'] === v || e.from === v || (e.Type === 'image' && (e.Actor.ID === v || attrs['name'] === v)))) return false;
  if (f.has('network') && !(e.Type === 'network' && matchAny(f.get('network'), (v) => e.Actor.ID.startsWith(v) || attrs['name'] === v))) return false;
  if (f.has('volume') && !(e.Type === 'volume' && matchAny(f.get('volume'), (v) => e.Actor.ID === v))) return false;
  if (!matchLabels(f.get('label'), attrs)) return false;
  return true;
}
