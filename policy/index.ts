// The policy pack the CLI runs: `pulumi preview --policy-pack policy`. The policies live in one file per
// domain (rds, network, privatelink, iam, secrets, lambda); ./pack lists them.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";

new PolicyPack(PACK_NAME, packArgs);
