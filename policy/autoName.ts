// Pulumi auto-names a resource `<logical name>-<7 hex>` when its args give no name; stack policies use
// this to link a resource to another one that names it.

/** True when `physical` is what Pulumi makes of `logicalName` (after `prefix`) when auto-naming. */
export function isAutoNameOf(physical: string, logicalName: string, prefix = ""): boolean {
    const escaped = (prefix + logicalName).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`^${escaped}-[0-9a-f]{7}$`).test(physical);
}
