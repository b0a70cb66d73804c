/** Things the person should know about the generated XML (a representation chosen, a program libvirt will need). */
export class DomainNotes {
  readonly #notes: string[] = [];

  add(note: string): void {
    if (!this.#notes.includes(note)) this.#notes.push(note);
  }

  list(): string[] {
    return [...this.#notes];
  }
}
