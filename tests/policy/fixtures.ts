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

/** A security group of its own (`group.id`) and its one MySQL rule, as each privatelink side declares them. */
function ownGroupWithMysqlRule(
    group: {
        readonly vpcId: string;
        readonly description: string;
        readonly name: string;
        readonly id: string;
    },
    rule: { readonly type: string; readonly name: string },
): PolicyResourceRecord[] {
    const { vpcId, description, name, id } = group;
    return [
        resource(T.securityGroup, { vpcId, description }, { name, id }),
        mysqlRule(rule.type, rule.name, id),
    ];
}

/** What the database stack declares for one privatelink consumer. */
export function databaseSide(): PolicyResourceRecord[] {
    return [
        ...ownGroupWithMysqlRule(
            { vpcId: "vpc-db", description: "resource gateway -> RDS 3306", name: "db-rgw", id: "sg-rgw" },
            { type: T.egressRule, name: "rgw-to-rds" },
        ),
        resource(
            T.resourceGateway,
            {
                vpcId: "vpc-db",
                subnetIds: ["subnet-a", "subnet-b"],
                securityGroupIds: ["sg-rgw"],
                ipAddressType: "IPV4",
            },
            { name: "db-gateway" },
        ),
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
    return [
        ...ownGroupWithMysqlRule(
            { vpcId: "vpc-c", description: "resource endpoint", name: "endpoint", id: "sg-ep" },
            { type: T.ingressRule, name: "endpoint-from-fn" },
        ),
        resource(
            T.vpcEndpoint,
            {
                vpcId: "vpc-c",
                vpcEndpointType: "Resource",
                resourceConfigurationArn:
                    "arn:aws:vpc-lattice:us-east-1:111111112974:resourceconfiguration/rcfg-1",
                subnetIds: ["subnet-c"],
                securityGroupIds: ["sg-ep"],
                privateDnsEnabled: true,
            },
            { name: "db-endpoint" },
        ),
    ];
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
