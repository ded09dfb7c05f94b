import type { SessionRecord } from '@ml-intern/context';
import type { ReservationResource } from './usage-meter.js';

/** A reservation a run left open: its resource was still running when the run ended. */
export interface OpenReservation {
  toolCallId: string;
  tool: string;
  reservedUsd: number;
  resource: ReservationResource;
}

/**
 * The reservations a session log leaves open: the last `cost_reservation` event of a call says
 * `running` (the resource existed and was never reconciled). Resuming the session restores them
 * into the meter and asks their tools to reconcile them.
 */
export function openReservations(records: readonly SessionRecord[]): OpenReservation[] {
  const last = new Map<string, OpenReservation | undefined>();
  for (const record of records) {
    if (record.kind !== 'event' || record.event.type !== 'cost_reservation') continue;
    const event = record.event;
    last.set(
      event.tool_call_id,
      event.state === 'running' && event.resource ? { toolCallId: event.tool_call_id, tool: event.tool, reservedUsd: event.reserved_usd, resource: event.resource as ReservationResource } : undefined,
    );
  }
  return [...last.values()].filter((item): item is OpenReservation => item !== undefined);
}
