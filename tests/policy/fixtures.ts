// Resources as the stacks declare them, compliant with every policy; tests break one thing at a time.
import type { PolicyResourceRecord } from "../../policy/run";
import { resource, T } from "./harness";

const KEY_ARN = "arn:aws:kms:us-east-1:111111112974:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** An RDS instance as the database stack declares it: compliant with every policy. */
export const goodDb = {
    engine: "mysql",
    engineVersion: "8.4",
    instanceClass: "db.t4g.micro",
    allocatedStorage: 20,
    publiclyAccessible: false,
    storageEncrypted: true,
    kmsKeyId: KEY_ARN,
    deletionProtection: true,
    backupRetentionPeriod: 7,
    parameterGroupName: "cross-account-rds-mysql84",
    manageMasterUserPassword: true,
};

export const DB_ARN = "arn:aws:rds:us-east-1:111111112974:db:cross-account-rds-db";
export const SHARE_ARN = "arn:aws:ram:us-east-1:111111112974:resource-share/7f3a9c10-analytics";
export const ANALYTICS = "333333336021"; // a privatelink consumer inside the organization
export const PARTNER = "444444449999"; // a privatelink consumer outside it

export const mysqlRule = (
    type: string,
    name: string,
    securityGroupId: string,
    extra: Record<string, unknown> = {},
) =>
    resource(
        type,
        {
            securityGroupId,
            ipProtocol: "tcp",
            fromPort: 3306,
            toPort: 3306,
            referencedSecurityGroupId: "sg-peer",
            ...extra,
        },
        { name },
    );

/**
 * One privatelink side in `vpcId`: a security group of its own, its one MySQL rule, and what that group
 * guards (the resource gateway or the resource endpoint) in `subnetIds`, with only that group.
 */
function privatelinkSide(side: {
    readonly vpcId: string;
    readonly subnetIds: string[];
    readonly group: { readonly description: string; readonly name: string; readonly id: string };
    readonly rule: { readonly type: string; readonly name: string };
    readonly guarded: {
        readonly type: string;
        readonly name: string;
        readonly props: Record<string, unknown>;
    };
}): PolicyResourceRecord[] {
    const { vpcId, subnetIds, group, rule, guarded } = side;
    return [
        resource(
            T.securityGroup,
            { vpcId, description: group.description },
            { name: group.name, id: group.id },
        ),
        mysqlRule(rule.type, rule.name, group.id),
        resource(
            guarded.type,
            { vpcId, subnetIds, securityGroupIds: [group.id], ...guarded.props },
            { name: guarded.name },
        ),
    ];
}

/** What the database stack declares for one privatelink consumer. */
export function databaseSide(): PolicyResourceRecord[] {
    return [
        ...privatelinkSide({
            vpcId: "vpc-db",
            subnetIds: ["subnet-a", "subnet-b"],
            group: { description: "resource gateway -> RDS 3306", name: "db-rgw", id: "sg-rgw" },
            rule: { type: T.egressRule, name: "rgw-to-rds" },
            guarded: { type: T.resourceGateway, name: "db-gateway", props: { ipAddressType: "IPV4" } },
        }),
        resource(
            T.resourceConfiguration,
            {
                type: "ARN",
                resourceGatewayIdentifier: "rgw-0123",
                resourceConfigurationDefinition: { arnResource: { arn: DB_ARN } },
                allowAssociationToShareableServiceNetwork: false,
            },
            { name: "db-configuration" },
        ),
        share("db-analytics", false),
        association("db-analytics", ANALYTICS),
    ];
}

/** What a privatelink consumer stack declares. */
export function consumerSide(): PolicyResourceRecord[] {
    return privatelinkSide({
        vpcId: "vpc-c",
        subnetIds: ["subnet-c"],
        group: { description: "resource endpoint", name: "endpoint", id: "sg-ep" },
        rule: { type: T.ingressRule, name: "endpoint-from-fn" },
        guarded: {
            type: T.vpcEndpoint,
            name: "db-endpoint",
            props: {
                vpcEndpointType: "Resource",
                resourceConfigurationArn:
                    "arn:aws:vpc-lattice:us-east-1:111111112974:resourceconfiguration/rcfg-1",
                privateDnsEnabled: true,
            },
        },
    });
}

export function share(name: string, allowExternalPrincipals: boolean, arn = SHARE_ARN): PolicyResourceRecord {
    const props = { name: `crds-${name}`, allowExternalPrincipals };
    return resource(T.resourceShare, props, { name, outputs: { ...props, arn } });
}

export function association(
    name: string,
    principal: string,
    resourceShareArn = SHARE_ARN,
): PolicyResourceRecord {
    return resource(
        T.principalAssociation,
        { principal, resourceShareArn },
        { name: `${name}-${principal}` },
    );
}
