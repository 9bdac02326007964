export * from "../../tests/support/policyEval";
