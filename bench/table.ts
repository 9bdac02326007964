// Benchmark rows and the table `npm run bench` prints.

export interface BenchRow {
    /** What was measured, e.g. "(a) raw SELECT on an open connection". */
    name: string;
    iterations: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    /** A measured quantity that is not a duration (e.g. a zip's size), printed in the last column. */
    value?: string;
    /** Free text printed after the table (ratios, targets). */
    note?: string;
}

/** Nearest-rank percentile of durations in ms. */
export function percentile(samples: readonly number[], p: number): number {
    if (samples.length === 0) return Number.NaN;
    const sorted = [...samples].sort((x, y) => x - y);
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return sorted[rank - 1];
}

/** Runs `fn` `warmup` times unmeasured, then `iterations` times measured (sequentially); returns ms samples. */
export async function measure(
    iterations: number,
    warmup: number,
    fn: () => Promise<unknown>,
): Promise<number[]> {
    for (let i = 0; i < warmup; i++) await fn();
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
        const start = process.hrtime.bigint();
        await fn();
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return samples;
}

/** Runs `fn` back to back for `durationMs` (at least `minIterations` times); returns ms samples. */
export async function measureFor(
    durationMs: number,
    minIterations: number,
    fn: () => Promise<unknown>,
): Promise<number[]> {
    const samples: number[] = [];
    const end = process.hrtime.bigint() + BigInt(Math.round(durationMs * 1e6));
    // Bounded: a hung `fn` is caught by the caller's own timeouts; the loop stops after 10 million calls.
    for (
        let i = 0;
        i < 10_000_000 && (samples.length < minIterations || process.hrtime.bigint() < end);
        i++
    ) {
        const start = process.hrtime.bigint();
        await fn();
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return samples;
}

export function row(name: string, samples: readonly number[], note?: string): BenchRow {
    const out: BenchRow = {
        name,
        iterations: samples.length,
        p50Ms: percentile(samples, 50),
        p95Ms: percentile(samples, 95),
        p99Ms: percentile(samples, 99),
    };
    if (note !== undefined) out.note = note;
    return out;
}

/** A row for a measured quantity that is not a duration. */
export function valueRow(name: string, value: string, note?: string): BenchRow {
    const out: BenchRow = {
        name,
        iterations: 1,
        p50Ms: Number.NaN,
        p95Ms: Number.NaN,
        p99Ms: Number.NaN,
        value,
    };
    if (note !== undefined) out.note = note;
    return out;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 3 : 1) : "-");

/** A fixed-width text table, then each row's note. */
export function formatTable(rows: readonly BenchRow[]): string {
    const header = ["benchmark", "n", "p50 ms", "p95 ms", "p99 ms", "value"];
    const body = rows.map((r) => [
        r.name,
        String(r.iterations),
        ms(r.p50Ms),
        ms(r.p95Ms),
        ms(r.p99Ms),
        r.value ?? "-",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
    const line = (cells: string[]) =>
        cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
    const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
    const notes = rows.filter((r) => r.note !== undefined).map((r) => r.note as string);
    if (notes.length > 0) out.push("", ...notes);
    return out.join("\n");
}
