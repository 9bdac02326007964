// The network chain of one consumer, on either path: the STS and Secrets Manager endpoints serve the
// function (443 both ways, private DNS), and, for a peering consumer, the peering joins the two VPCs
// with disjoint CIDRs, routes run both ways and the security groups pass 3306 between exactly them.
import { HTTPS_PORT, MYSQL_PORT } from "../infra/lib/constants";
import { cidrsOverlap, parseCidr } from "../infra/lib/cidr";
import { Link } from "./link";
import { asList } from "../infra/lib/iam";
import { idOf, of, rulesOn, T } from "./query";
import { cidrWithin } from "../infra/lib/cidr";
import { PlannedResource } from "./run";

/** The STS and Secrets Manager interface endpoints the function reaches AWS through (both paths). */
export function verifyEndpoints({ consumer, c, functionSgs, consumerVpc, consumerRules }: Link): void {
    const consumerCidr = String(consumerVpc?.inputs.cidrBlock);
    const endpoints = of(consumer, T.endpoint).filter((e) => e.inputs.vpcId === consumerVpc?.state.vpcId);
    for (const [service, label] of [
        ["sts", "STS"],
        ["secretsmanager", "Secrets Manager"],
    ]) {
        const serviceName = `com.amazonaws.${consumer.region}.${service}`;
        const endpoint = endpoints.find((e) => e.inputs.serviceName === serviceName);
        const endpointSgs = asList<string>(endpoint?.inputs.securityGroupIds);
        const between = (direction: "ingress" | "egress", own: readonly string[], peers: readonly string[]) =>
            rulesOn(consumerRules, direction, own, HTTPS_PORT).some(
                (r) => peers.includes(r.peerSecurityGroupId ?? "") || cidrWithin(consumerCidr, r.cidr),
            );
        const reachable =
            between("ingress", endpointSgs, functionSgs) && between("egress", functionSgs, endpointSgs);
        c.add(
            `Network: the ${label} endpoint serves the function (private DNS, 443 from its security group)`,
            !!endpoint &&
                endpoint.inputs.vpcEndpointType === "Interface" &&
                endpoint.inputs.privateDnsEnabled === true &&
                reachable,
            !endpoint
                ? `no interface endpoint ${serviceName} in the function's VPC: the function would hang until timeout`
                : endpoint.inputs.privateDnsEnabled !== true
                  ? `endpoint ${serviceName} has private DNS off: the SDK would resolve the public endpoint`
                  : `443 between the function's security group and endpoint ${serviceName} is not allowed both ways`,
        );
    }
}

/** VPC peering: disjoint CIDRs, the peering accepted in the database account, routes, 3306 both sides. */
export function verifyPeering(link: Link): void {
    const { db, consumer, c, fn, consumerVpc, dbVpc, rds, dbSgs, functionSgs } = link;
    const consumerCidr = String(consumerVpc?.inputs.cidrBlock);
    const dbCidr = String(dbVpc?.inputs.cidrBlock);
    const a = parseCidr(consumerCidr);
    const b = parseCidr(dbCidr);
    c.add(
        "Network: the consumer and database VPC CIDRs are disjoint",
        !!a && !!b && !cidrsOverlap(a, b),
        `consumer VPC ${consumerCidr} and database VPC ${dbCidr} overlap (or are missing): peering needs disjoint ` +
            "blocks (a consumer with an overlapping CIDR takes network: privatelink)",
    );

    const peering = of(consumer, T.peering)[0];
    const peeringId = peering ? idOf(peering) : undefined;
    const accepter = of(consumer, T.accepter).find((x) => x.inputs.vpcPeeringConnectionId === peeringId);
    c.add(
        "Network: the peering is requested from the consumer VPC and accepted in the database account",
        !!peering &&
            peering.inputs.peerVpcId === dbVpc?.state.vpcId &&
            peering.inputs.peerOwnerId === db.accountId &&
            accepter?.accountId === db.accountId,
        !peering
            ? `no VPC peering connection in ${consumer.stack}`
            : `the peering must target VPC ${dbVpc?.state.vpcId} of account ${db.accountId} and be accepted with a provider of that account`,
    );

    const routes = [...of(consumer, T.route), ...of(db, T.route)];
    const tablesOf = (vpc: PlannedResource | undefined, subnetIds: readonly string[]) =>
        asList<{ id: string; subnetId: string }>(vpc?.state.routeTables).filter((t) =>
            subnetIds.includes(t.subnetId),
        );
    const missing = (tables: Array<{ id: string }>, destination: string) =>
        tables
            .filter(
                (t) =>
                    !routes.some(
                        (r) =>
                            r.inputs.routeTableId === t.id &&
                            r.inputs.destinationCidrBlock === destination &&
                            r.inputs.vpcPeeringConnectionId === peeringId,
                    ),
            )
            .map((t) => t.id);
    const functionSubnets = asList<string>(fn.inputs.vpcConfig?.subnetIds);
    const functionTables = tablesOf(consumerVpc, functionSubnets);
    const missingForward = missing(functionTables, dbCidr);
    c.add(
        "Network: every route table of the function's subnets routes the database CIDR to the peering",
        functionTables.length > 0 &&
            functionTables.length === functionSubnets.length &&
            missingForward.length === 0,
        functionTables.length === 0
            ? `the function's subnets ${functionSubnets.join(", ")} have no known route tables`
            : `route table(s) ${missingForward.join(", ")} in ${consumer.stack} lack a route ${dbCidr} → ${peeringId}`,
    );
    const subnetGroup = of(db, T.subnetGroup).find(
        (g) => g.state.name === rds?.inputs.dbSubnetGroupName || g.state.id === rds?.inputs.dbSubnetGroupName,
    );
    const dbSubnets = asList<string>(subnetGroup?.inputs.subnetIds);
    const dbTables = tablesOf(dbVpc, dbSubnets);
    const missingBack = missing(dbTables, consumerCidr);
    c.add(
        "Network: every route table of the database subnets routes the consumer CIDR back to the peering",
        dbTables.length > 0 && dbTables.length === dbSubnets.length && missingBack.length === 0,
        dbTables.length === 0
            ? `the database subnets ${dbSubnets.join(", ")} have no known route tables`
            : `route table(s) ${missingBack.join(", ")} of ${db.stack} lack a route ${consumerCidr} → ${peeringId}`,
    );

    c.add(
        "Network: the function's security group allows 3306 out to the database CIDR",
        rulesOn(link.consumerRules, "egress", functionSgs, MYSQL_PORT).some((r) =>
            cidrWithin(dbCidr, r.cidr),
        ),
        `no egress rule on ${functionSgs.join(", ")} allows tcp/3306 to ${dbCidr}`,
    );
    c.add(
        "Network: the database security group allows 3306 in from the consumer VPC",
        rulesOn(link.dbRules, "ingress", dbSgs, MYSQL_PORT).some((r) => r.cidr === consumerCidr),
        `no ingress rule on ${dbSgs.join(", ")} allows tcp/3306 from ${consumerCidr}`,
    );
}
