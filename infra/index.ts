// Entry point named in Pulumi.yaml. The exported value becomes the stack's outputs.
import { program } from "./program";

export = program();
