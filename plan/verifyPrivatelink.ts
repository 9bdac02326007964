// The PrivateLink chain of one consumer: the database account shares a resource configuration of its RDS
// instance with exactly that account; the consumer reaches it through a Resource endpoint with private
// DNS that only its function may use; RDS sees the resource gateway, never the consumer's network, and
// no peering or route exists for it.
import { MYSQL_PORT } from "../infra/lib/constants";
import { cidrsOverlap, parseCidr } from "../infra/lib/cidr";
import { Link } from "./link";
import { asList } from "../infra/lib/iam";
import { describeRule, of, onlyPort, Rule, rulesOn, T } from "./query";

export function verifyPrivatelink(link: Link): void {
    const { db, consumer, c, record, rds, dbSgs, functionSgs, consumerVpc } = link;
    const shareArn = record?.resourceShareArn;
    const configurationArn = record?.resourceConfigurationArn;

    const share = of(db, T.share).find((s) => s.state.arn === shareArn);
    const principals = of(db, T.sharePrincipal)
        .filter((p) => p.inputs.resourceShareArn === shareArn)
        .map((p) => String(p.inputs.principal));
    c.add(
        "PrivateLink: the RAM share names exactly the consumer's account",
        !!share && principals.length === 1 && principals[0] === consumer.accountId,
        !share
            ? `no RAM share ${shareArn ?? "(none in the consumer's record)"} in ${db.stack}`
            : `share ${share.name} names ${principals.join(", ") || "no principal"}; it must name only account ${consumer.accountId}`,
    );

    const configuration = of(db, T.resourceConfiguration).find((r) => r.state.arn === configurationArn);
    const shared = of(db, T.shareResource)
        .filter((a) => a.inputs.resourceShareArn === shareArn)
        .map((a) => String(a.inputs.resourceArn));
    const target = configuration?.inputs.resourceConfigurationDefinition?.arnResource?.arn;
    c.add(
        "PrivateLink: the shared resource configuration is of type ARN and points at this RDS instance",
        !!configuration &&
            shared.length === 1 &&
            shared[0] === configurationArn &&
            configuration.inputs.type === "ARN" &&
            target === rds?.state.arn,
        !configuration
            ? `no resource configuration ${configurationArn ?? "(none in the consumer's record)"} in ${db.stack}`
            : `share must carry exactly ${configurationArn} (it carries ${shared.join(", ") || "nothing"}), a ` +
                  `configuration of type ARN (is ${configuration.inputs.type}) for ${rds?.state.arn} (is ${target})`,
    );

    const endpoint = of(consumer, T.endpoint).find(
        (e) => e.inputs.resourceConfigurationArn === configurationArn,
    );
    c.add(
        "PrivateLink: the consumer's endpoint is a Resource endpoint for that configuration, with private DNS",
        !!endpoint &&
            endpoint.inputs.vpcEndpointType === "Resource" &&
            endpoint.inputs.privateDnsEnabled === true &&
            endpoint.inputs.vpcId === consumerVpc?.state.vpcId,
        !endpoint
            ? `no VPC endpoint for ${configurationArn} in ${consumer.stack}`
            : endpoint.inputs.privateDnsEnabled !== true
              ? `endpoint ${endpoint.name} has private DNS off: the function's DB_HOST (the RDS name) would not ` +
                "resolve to it, and TLS verification needs that name"
              : `endpoint ${endpoint.name} must be of type Resource in the function's VPC`,
    );

    const endpointSgs = asList<string>(endpoint?.inputs.securityGroupIds);
    const intoEndpoint = rulesOn(link.consumerRules, "ingress", endpointSgs);
    const fromFunction = (r: Rule) =>
        onlyPort(r, MYSQL_PORT) && functionSgs.includes(r.peerSecurityGroupId ?? "");
    c.add(
        "PrivateLink: the endpoint's security group admits 3306 only from the function's security group",
        intoEndpoint.length > 0 && intoEndpoint.every(fromFunction),
        intoEndpoint.length === 0
            ? `no ingress rule on the endpoint's security group ${endpointSgs.join(", ")}`
            : `beyond tcp/3306 from ${functionSgs.join(", ")}: ${intoEndpoint
                  .filter((r) => !fromFunction(r))
                  .map(describeRule)
                  .join("; ")}`,
    );
    const mysqlOut = rulesOn(link.consumerRules, "egress", functionSgs, MYSQL_PORT);
    const toEndpoint = (r: Rule) => endpointSgs.includes(r.peerSecurityGroupId ?? "");
    c.add(
        "PrivateLink: the function's 3306 egress goes only to the endpoint's security group",
        mysqlOut.length > 0 && mysqlOut.every(toEndpoint),
        mysqlOut.length === 0
            ? `no egress rule on ${functionSgs.join(", ")} allows tcp/3306 to the endpoint`
            : `3306 also leaves through ${mysqlOut
                  .filter((r) => !toEndpoint(r))
                  .map(describeRule)
                  .join("; ")}`,
    );

    const consumerCidr = String(consumerVpc?.inputs.cidrBlock);
    const peeringParts = [
        ...of(consumer, T.peering).map((r) => `${r.type} ${r.name}`),
        ...of(consumer, T.accepter).map((r) => `${r.type} ${r.name}`),
        ...of(consumer, T.route)
            .filter((r) => r.inputs.vpcPeeringConnectionId)
            .map((r) => `route ${r.name}`),
        ...of(db, T.route)
            .filter((r) => r.inputs.destinationCidrBlock === consumerCidr)
            .map((r) => `route ${r.name} in ${db.stack}`),
        ...(record?.peeringAccepterRoleArn ? [`peering-accepter role ${record.peeringAccepterRoleArn}`] : []),
    ];
    c.add(
        "PrivateLink: no peering or route carries this consumer's traffic",
        peeringParts.length === 0,
        `a privatelink consumer has no peering, routes or accepter role; found ${peeringParts.join(", ")}`,
    );

    const gateway = of(db, T.gateway).find((g) =>
        [g.id, g.state.arn].includes(configuration?.inputs.resourceGatewayIdentifier),
    );
    const gatewaySgs = asList<string>(gateway?.inputs.securityGroupIds);
    const intoDb = rulesOn(link.dbRules, "ingress", dbSgs, MYSQL_PORT);
    // A peering consumer's CIDR may overlap this one's: admitting exactly that CIDR is its path, not this one's.
    const peeringCidrs = new Set(
        db.config.stackRole === "database"
            ? db.config.consumers.filter((x) => x.network === "peering" && !x.retiring).map((x) => x.vpcCidr)
            : [],
    );
    const own = parseCidr(consumerCidr);
    const byCidr = intoDb.filter((r) => {
        const cidr = r.cidr ? parseCidr(r.cidr) : undefined;
        return !!own && !!cidr && cidrsOverlap(own, cidr) && !peeringCidrs.has(r.cidr!);
    });
    c.add(
        "PrivateLink: RDS admits 3306 from the resource gateway's security group, never from the consumer's CIDR",
        gatewaySgs.length > 0 &&
            intoDb.some((r) => gatewaySgs.includes(r.peerSecurityGroupId ?? "")) &&
            byCidr.length === 0,
        byCidr.length > 0
            ? `RDS sees the resource gateway's addresses, never ${consumerCidr}; remove ${byCidr.map(describeRule).join("; ")}`
            : `no ingress rule on the RDS security group ${dbSgs.join(", ")} admits tcp/3306 from the gateway's ` +
                  `security group ${gatewaySgs.join(", ") || "(no resource gateway found)"}`,
    );
    const fromGateway = rulesOn(link.dbRules, "egress", gatewaySgs);
    const toDb = (r: Rule) => onlyPort(r, MYSQL_PORT) && dbSgs.includes(r.peerSecurityGroupId ?? "");
    c.add(
        "PrivateLink: the resource gateway's security group sends only 3306, only to the RDS security group",
        fromGateway.length > 0 && fromGateway.every(toDb),
        fromGateway.length === 0
            ? `no egress rule on the gateway's security group ${gatewaySgs.join(", ") || "(none)"} reaches RDS`
            : `beyond tcp/3306 to ${dbSgs.join(", ")}: ${fromGateway
                  .filter((r) => !toDb(r))
                  .map(describeRule)
                  .join("; ")}`,
    );
}
