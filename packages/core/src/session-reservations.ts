import type { EventPayload } from '@ml-intern/events';
import type { OpenReservation } from './open-reservations.js';
import type { ToolLogLevel, ToolSessionInfo } from './tool.js';
import type { ToolRouter } from './tool-router.js';
import type { CostReservation, UsageMeter } from './usage-meter.js';

export interface ReservationHost {
  /** The meter in force (`/new` starts a fresh one). */
  meter(): UsageMeter;
  emit(payload: EventPayload): void;
}

export interface RestoreReservationsHost extends ReservationHost {
  router: ToolRouter;
  sessionInfo(): ToolSessionInfo;
}

/** Reserve a call's estimated cost; every change is a `cost_reservation` event (the log keeps open ones). */
export function reserveCost(host: ReservationHost, usd: number, call: { id: string; name: string }): CostReservation {
  const { id: toolCallId, name: tool } = call;
  const emit = (reservation: CostReservation, state: 'reserved' | 'running' | 'reconciled') =>
    host.emit({
      type: 'cost_reservation',
      tool_call_id: toolCallId,
      tool,
      state,
      reserved_usd: reservation.reservedUsd,
      actual_usd: reservation.actualUsd ?? null,
      resource: reservation.resource ?? null,
    });
  const reservation = host.meter().reserve(usd, {
    onHold: (held) => emit(held, 'running'),
    onSettle: (settled, previous) => {
      emit(settled, 'reconciled');
      host.emit({ type: 'tool_log', tool_call_id: toolCallId, tool, level: 'info', message: `Cost of ${tool} reconciled: $${(settled.actualUsd ?? previous).toFixed(2)} (reserved $${previous.toFixed(2)}).` });
    },
  });
  emit(reservation, 'reserved');
  return reservation;
}

/** Reservations an earlier run left open: counted again, and their tools check on them. */
export function restoreReservations(host: RestoreReservationsHost, open: readonly OpenReservation[]): void {
  for (const item of open) {
    const reservation = reserveCost(host, item.reservedUsd, { id: item.toolCallId, name: item.tool });
    reservation.hold(item.resource);
    const tool = host.router.get(item.tool);
    if (!tool?.reconcile) continue;
    const log = (message: string, level: ToolLogLevel = 'info') => host.emit({ type: 'tool_log', tool_call_id: item.toolCallId, tool: item.tool, level, message });
    const signal = AbortSignal.timeout(60_000);
    void Promise.resolve()
      .then(() => tool.reconcile?.(item.resource, { signal, log, session: host.sessionInfo(), toolCallId: item.toolCallId, reservation }))
      .catch((error: unknown) => log(`could not check ${item.resource.kind} ${item.resource.id} from the previous run: ${(error as Error).message ?? String(error)}; its reservation of $${item.reservedUsd.toFixed(2)} stays counted`, 'warn'));
  }
}
