// Local stand-ins for the two AWS APIs the data-path function calls, on 127.0.0.1 (random port):
// - STS Query API: Action=AssumeRole → XML with Credentials (incl. Expiration).
// - Secrets Manager JSON 1.1: X-Amz-Target: secretsmanager.GetSecretValue → SecretString for a known ARN.
// Point the SDK at it with AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_SECRETS_MANAGER = standIns.url.
import { randomBytes } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";

export type Operation = "AssumeRole" | "GetSecretValue";

export type FailureKind = "access-denied" | "server-error";

export interface AssumeRoleCall {
    roleArn: string;
    roleSessionName: string;
    externalId?: string;
    durationSeconds?: number;
}

export interface AwsStandIns {
    /** Base URL, e.g. http://127.0.0.1:41234 (same for both services). */
    readonly url: string;
    /** Calls per operation answered so far (successful or failed). */
    readonly calls: Record<Operation, number>;
    /** Requests per operation received so far, answered or still held. */
    readonly received: Record<Operation, number>;
    /** Parameters of every AssumeRole call, oldest first. */
    readonly assumeRoleCalls: AssumeRoleCall[];
    /** Access key ids that signed each GetSecretValue call (proves it used the assumed role). */
    readonly secretReaderKeys: string[];
    /** The access key id the last AssumeRole handed out. */
    readonly issuedKeys: string[];
    /** Delay in ms before every response. */
    delayMs: number;
    /** Lifetime of the issued credentials, in seconds (default 3600). */
    credentialLifetimeSeconds: number;
    /** The next `count` calls of `operation` fail. */
    failNext(operation: Operation, count: number, kind?: FailureKind): void;
    /** Holds every response of `operation` (from now on) until `release(operation)`. */
    hold(operation: Operation): void;
    /** Answers the held requests of `operation` and stops holding it. */
    release(operation: Operation): void;
    /** Sets (or rotates) the value of a secret. */
    setSecret(arn: string, value: string): void;
    resetCounters(): void;
    close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        let size = 0;
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
                reject(new Error("request body too large"));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

function accessKeyOf(req: IncomingMessage): string {
    const match = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? "");
    return match ? match[1] : "";
}

const escapeXml = (s: string) =>
    s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export async function startAwsStandIns(options: { delayMs?: number } = {}): Promise<AwsStandIns> {
    const secrets = new Map<string, { value: string; version: string }>();
    const failures: Record<Operation, { count: number; kind: FailureKind }> = {
        AssumeRole: { count: 0, kind: "access-denied" },
        GetSecretValue: { count: 0, kind: "access-denied" },
    };
    const sockets = new Set<import("node:net").Socket>();
    const held: Record<Operation, Array<() => void> | undefined> = {
        AssumeRole: undefined,
        GetSecretValue: undefined,
    };

    const state: AwsStandIns = {
        url: "",
        calls: { AssumeRole: 0, GetSecretValue: 0 },
        received: { AssumeRole: 0, GetSecretValue: 0 },
        assumeRoleCalls: [],
        secretReaderKeys: [],
        issuedKeys: [],
        delayMs: options.delayMs ?? 0,
        credentialLifetimeSeconds: 3600,
        failNext(operation, count, kind = "access-denied") {
            failures[operation] = { count, kind };
        },
        hold(operation) {
            held[operation] ??= [];
        },
        release(operation) {
            const waiting = held[operation] ?? [];
            held[operation] = undefined;
            for (const answer of waiting) answer();
        },
        setSecret(arn, value) {
            secrets.set(arn, { value, version: randomBytes(8).toString("hex") });
        },
        resetCounters() {
            state.calls.AssumeRole = 0;
            state.calls.GetSecretValue = 0;
            state.received.AssumeRole = 0;
            state.received.GetSecretValue = 0;
            state.assumeRoleCalls.length = 0;
            state.secretReaderKeys.length = 0;
            state.issuedKeys.length = 0;
        },
        close: () => Promise.resolve(),
    };

    const takeFailure = (operation: Operation): FailureKind | undefined => {
        const f = failures[operation];
        if (f.count <= 0) return undefined;
        f.count -= 1;
        return f.kind;
    };

    /**
     * Answers the failure injected for the next call of `operation`, if one is due, with `fail` and the
     * service's own status, error code and message for that kind; true when it did (the call ends there).
     */
    const injectedFailure = (
        operation: Operation,
        fail: (status: number, code: string, message: string) => void,
        answers: Record<FailureKind, [status: number, code: string, message: string]>,
    ): boolean => {
        const failure = takeFailure(operation);
        if (failure === undefined) return false;
        fail(...answers[failure]);
        return true;
    };

    const send = (res: ServerResponse, status: number, type: string, body: string) => {
        res.writeHead(status, {
            "content-type": type,
            "content-length": Buffer.byteLength(body),
            "x-amzn-requestid": randomBytes(8).toString("hex"),
        });
        res.end(body);
    };

    const stsError = (res: ServerResponse, status: number, code: string, message: string) =>
        send(
            res,
            status,
            "text/xml",
            `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
                `<Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>` +
                `<RequestId>stand-in</RequestId></ErrorResponse>`,
        );

    const smError = (res: ServerResponse, status: number, type: string, message: string) =>
        send(res, status, "application/x-amz-json-1.1", JSON.stringify({ __type: type, message }));

    const handleSts = (res: ServerResponse, body: string) => {
        const params = new URLSearchParams(body);
        if (params.get("Action") !== "AssumeRole") {
            stsError(res, 400, "InvalidAction", `stand-in supports only AssumeRole`);
            return;
        }
        state.calls.AssumeRole += 1;
        const call: AssumeRoleCall = {
            roleArn: params.get("RoleArn") ?? "",
            roleSessionName: params.get("RoleSessionName") ?? "",
        };
        const externalId = params.get("ExternalId");
        if (externalId !== null) call.externalId = externalId;
        const duration = params.get("DurationSeconds");
        if (duration !== null) call.durationSeconds = Number(duration);
        state.assumeRoleCalls.push(call);
        const stsFailed = injectedFailure("AssumeRole", (...error) => stsError(res, ...error), {
            "server-error": [500, "InternalFailure", "stand-in injected failure"],
            "access-denied": [
                403,
                "AccessDenied",
                `User is not authorized to perform: sts:AssumeRole on ${call.roleArn}`,
            ],
        });
        if (stsFailed) return;
        const accessKeyId = "ASIA" + randomBytes(8).toString("hex").toUpperCase();
        state.issuedKeys.push(accessKeyId);
        const expiration = new Date(Date.now() + state.credentialLifetimeSeconds * 1000).toISOString();
        const roleName = call.roleArn.split("/").pop() ?? "role";
        send(
            res,
            200,
            "text/xml",
            `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
                `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId>` +
                `<SecretAccessKey>${randomBytes(20).toString("hex")}</SecretAccessKey>` +
                `<SessionToken>${randomBytes(32).toString("hex")}</SessionToken>` +
                `<Expiration>${expiration}</Expiration></Credentials>` +
                `<AssumedRoleUser><AssumedRoleId>AROASTANDIN:${escapeXml(call.roleSessionName)}</AssumedRoleId>` +
                `<Arn>arn:aws:sts::111111112974:assumed-role/${escapeXml(roleName)}/` +
                `${escapeXml(call.roleSessionName)}</Arn></AssumedRoleUser>` +
                `</AssumeRoleResult><ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata>` +
                `</AssumeRoleResponse>`,
        );
    };

    const handleSecrets = (req: IncomingMessage, res: ServerResponse, body: string) => {
        if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") {
            smError(res, 400, "UnknownOperationException", "stand-in supports only GetSecretValue");
            return;
        }
        state.calls.GetSecretValue += 1;
        state.secretReaderKeys.push(accessKeyOf(req));
        const secretsFailed = injectedFailure("GetSecretValue", (...error) => smError(res, ...error), {
            "server-error": [500, "InternalServiceError", "stand-in injected failure"],
            "access-denied": [
                400,
                "AccessDeniedException",
                "not authorized to perform secretsmanager:GetSecretValue",
            ],
        });
        if (secretsFailed) return;
        let secretId: string;
        try {
            secretId = String((JSON.parse(body) as { SecretId?: unknown }).SecretId ?? "");
        } catch {
            smError(res, 400, "SerializationException", "body is not JSON");
            return;
        }
        const secret = secrets.get(secretId);
        if (!secret) {
            smError(
                res,
                400,
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret.",
            );
            return;
        }
        send(
            res,
            200,
            "application/x-amz-json-1.1",
            JSON.stringify({
                ARN: secretId,
                Name: secretId.split(":").pop(),
                SecretString: secret.value,
                VersionId: secret.version,
                VersionStages: ["AWSCURRENT"],
                CreatedDate: Math.floor(Date.now() / 1000),
            }),
        );
    };

    const server: Server = createServer((req, res) => {
        readBody(req)
            .then(async (body) => {
                const operation: Operation = req.headers["x-amz-target"] ? "GetSecretValue" : "AssumeRole";
                state.received[operation] += 1;
                if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
                const waiting = held[operation];
                if (waiting !== undefined) await new Promise<void>((resolve) => waiting.push(resolve));
                if (req.headers["x-amz-target"]) handleSecrets(req, res, body);
                else handleSts(res, body);
            })
            .catch(() => {
                if (!res.headersSent) send(res, 400, "text/plain", "bad request");
            });
    });
    server.requestTimeout = 10_000;
    server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    (state as { url: string }).url = `http://127.0.0.1:${port}`;
    state.close = () =>
        new Promise<void>((resolve) => {
            state.release("AssumeRole");
            state.release("GetSecretValue");
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
        });
    return state;
}

/** The process.env entries that point the AWS SDK at the stand-ins with static base credentials. */
export function standInSdkEnv(standIns: AwsStandIns): Record<string, string> {
    return {
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "AKIABASEIDENTITY0000",
        AWS_SECRET_ACCESS_KEY: "base-identity-secret-key-for-tests",
        AWS_ENDPOINT_URL_STS: standIns.url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: standIns.url,
    };
}
