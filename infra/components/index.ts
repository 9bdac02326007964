// The reusable building blocks: each is self-contained and reads no stack config, so it can be copied out.
export * from "./crossAccountRole";
export * from "./peeredVpcPair";
export * from "./rdsResourceEndpoint";
export * from "./secretShare";
export * from "./sharedRdsResource";
