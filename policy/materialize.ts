// The engine hands policies a proxy that throws on reading a value unknown during preview. The pure
// checks want plain data with unknowns marked, so copy the proxy, turning each throw into UNKNOWN.
import { UNKNOWN } from "./unknown";

const MAX_DEPTH = 32;

export function materialize(props: Record<string, unknown>): Record<string, unknown> {
    return copy(props, 0) as Record<string, unknown>;
}

function copy(value: unknown, depth: number): unknown {
    if (typeof value !== "object" || value === null || depth > MAX_DEPTH) {
        return value;
    }
    if (Array.isArray(value)) {
        return Array.from({ length: value.length }, (_, i) => copy(read(value, i), depth + 1));
    }
    // Assets and archives: keep them as they are; no policy reads into them.
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
        return value;
    }
    return Object.fromEntries(Object.keys(value).map((key) => [key, copy(read(value, key), depth + 1)]));
}

function read(container: object, key: string | number): unknown {
    try {
        return (container as Record<string | number, unknown>)[key];
    } catch (err) {
        if (err instanceof Error && err.constructor.name === "UnknownValueError") {
            return UNKNOWN;
        }
        throw err;
    }
}
