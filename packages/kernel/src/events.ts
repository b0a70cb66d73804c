/** Events for other components (loggers, status services); the person is told through UiMessages. */
export interface VmforgeEvents {
  EnvironmentCheckCompleted: { environment_data: unknown };
  VMDefinitionFinalized: { vm_definition: unknown };
  LibvirtXMLGenerated: { path: string };
  GuestSpecificSetupCompleted: { guest_type: string; output_path: string };
}

export type EventName = keyof VmforgeEvents | (string & {});
export type EventPayload<N extends EventName> = N extends keyof VmforgeEvents ? VmforgeEvents[N] : Record<string, unknown>;
export type EventHandler<N extends EventName> = (payload: EventPayload<N>, name: N) => void | Promise<void>;

export interface EventFailure {
  event: string;
  error: unknown;
}

/**
 * Dispatch never waits for handlers and never fails because of one: a handler's error is
 * collected and reported. `drain()` waits for every handler still running.
 */
export class EventManager {
  readonly #handlers = new Map<string, Array<EventHandler<never>>>();
  readonly #pending = new Set<Promise<void>>();
  readonly #failures: EventFailure[] = [];
  readonly #dispatched: Array<{ name: string; payload: unknown }> = [];
  onFailure: ((failure: EventFailure) => void) | undefined;

  on<N extends EventName>(name: N, handler: EventHandler<N>): () => void {
    const list = this.#handlers.get(name) ?? [];
    list.push(handler as EventHandler<never>);
    this.#handlers.set(name, list);
    return () => {
      const index = list.indexOf(handler as EventHandler<never>);
      if (index >= 0) list.splice(index, 1);
    };
  }

  dispatch<N extends EventName>(name: N, payload: EventPayload<N>): void {
    this.#dispatched.push({ name, payload });
    for (const handler of this.#handlers.get(name) ?? []) {
      const running: Promise<void> = Promise.resolve()
        .then(() => (handler as EventHandler<N>)(payload, name))
        .then(
          () => undefined,
          (error: unknown) => {
            const failure = { event: name, error };
            this.#failures.push(failure);
            try {
              this.onFailure?.(failure);
            } catch {
              // Reporting a failure must not turn into one: the failure stays in failures().
            }
          },
        )
        .finally(() => this.#pending.delete(running));
      this.#pending.add(running);
    }
  }

  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  failures(): readonly EventFailure[] {
    return this.#failures;
  }

  dispatched(): ReadonlyArray<{ name: string; payload: unknown }> {
    return this.#dispatched;
  }
}
