// Turns LiteSVM's native error objects into the JSON shapes the Solana JSON-RPC API uses
// (`"BlockhashNotFound"`, `{"InstructionError":[0,{"Custom":1}]}`), plus the short text
// an RPC node puts in "Transaction simulation failed: ..." messages.

/** A transaction error as the RPC serialises it. */
export type RpcTransactionError = string | Record<string, unknown>;

/** Names in the order of litesvm's `TransactionErrorFieldless` const enum (1.4.1). */
const TX_ERRORS_FIELDLESS = [
  "AccountInUse",
  "AccountLoadedTwice",
  "AccountNotFound",
  "ProgramAccountNotFound",
  "InsufficientFundsForFee",
  "InvalidAccountForFee",
  "AlreadyProcessed",
  "BlockhashNotFound",
  "CallChainTooDeep",
  "MissingSignatureForFee",
  "InvalidAccountIndex",
  "SignatureFailure",
  "InvalidProgramForExecution",
  "SanitizeFailure",
  "ClusterMaintenance",
  "AccountBorrowOutstanding",
  "WouldExceedMaxBlockCostLimit",
  "UnsupportedVersion",
  "InvalidWritableAccount",
  "WouldExceedMaxAccountCostLimit",
  "WouldExceedAccountDataBlockLimit",
  "TooManyAccountLocks",
  "AddressLookupTableNotFound",
  "InvalidAddressLookupTableOwner",
  "InvalidAddressLookupTableData",
  "InvalidAddressLookupTableIndex",
  "InvalidRentPayingAccount",
  "WouldExceedMaxVoteCostLimit",
  "WouldExceedAccountDataTotalLimit",
  "MaxLoadedAccountsDataSizeExceeded",
  "ResanitizationNeeded",
  "InvalidLoadedAccountsDataSizeLimit",
  "UnbalancedTransaction",
  "ProgramCacheHitMaxLimit",
  "CommitCancelled",
] as const;

/** Names in the order of litesvm's `InstructionErrorFieldless` const enum (1.4.1). */
const IX_ERRORS_FIELDLESS = [
  "GenericError",
  "InvalidArgument",
  "InvalidInstructionData",
  "InvalidAccountData",
  "AccountDataTooSmall",
  "InsufficientFunds",
  "IncorrectProgramId",
  "MissingRequiredSignature",
  "AccountAlreadyInitialized",
  "UninitializedAccount",
  "UnbalancedInstruction",
  "ModifiedProgramId",
  "ExternalAccountLamportSpend",
  "ExternalAccountDataModified",
  "ReadonlyLamportChange",
  "ReadonlyDataModified",
  "DuplicateAccountIndex",
  "ExecutableModified",
  "RentEpochModified",
  "NotEnoughAccountKeys",
  "AccountDataSizeChanged",
  "AccountNotExecutable",
  "AccountBorrowFailed",
  "AccountBorrowOutstanding",
  "DuplicateAccountOutOfSync",
  "InvalidError",
  "ExecutableDataModified",
  "ExecutableLamportChange",
  "ExecutableAccountNotRentExempt",
  "UnsupportedProgramId",
  "CallDepth",
  "MissingAccount",
  "ReentrancyNotAllowed",
  "MaxSeedLengthExceeded",
  "InvalidSeeds",
  "InvalidRealloc",
  "ComputationalBudgetExceeded",
  "PrivilegeEscalation",
  "ProgramEnvironmentSetupFailure",
  "ProgramFailedToComplete",
  "ProgramFailedToCompile",
  "Immutable",
  "IncorrectAuthority",
  "AccountNotRentExempt",
  "InvalidAccountOwner",
  "ArithmeticOverflow",
  "UnsupportedSysvar",
  "IllegalOwner",
  "MaxAccountsDataAllocationsExceeded",
  "MaxAccountsExceeded",
  "MaxInstructionTraceLengthExceeded",
  "BuiltinProgramsMustConsumeComputeUnits",
  "BorshIoError",
] as const;

function instructionErrorJson(err: unknown): unknown {
  if (typeof err === "number") return IX_ERRORS_FIELDLESS[err] ?? `UnknownInstructionError${err}`;
  if (err && typeof err === "object") {
    const o = err as { code?: unknown; msg?: unknown };
    if (typeof o.code === "number") return { Custom: o.code };
    if (typeof o.msg === "string") return { BorshIoError: o.msg };
  }
  return "GenericError";
}

/** Converts the value of `FailedTransactionMetadata.err()` to its RPC JSON form. */
export function txErrorToJson(err: unknown): RpcTransactionError {
  if (typeof err === "number") return TX_ERRORS_FIELDLESS[err] ?? `UnknownTransactionError${err}`;
  if (err && typeof err === "object") {
    const o = err as { index?: unknown; accountIndex?: unknown; err?: unknown; toString(): string };
    if (typeof o.index === "number" && typeof o.err === "function") {
      return { InstructionError: [o.index, instructionErrorJson((o.err as () => unknown).call(err))] };
    }
    if (typeof o.index === "number") return { DuplicateInstruction: o.index };
    if (typeof o.accountIndex === "number") {
      const name = String(err).startsWith("TransactionErrorProgramExecutionTemporarilyRestricted")
        ? "ProgramExecutionTemporarilyRestricted"
        : "InsufficientFundsForRent";
      return { [name]: { account_index: o.accountIndex } };
    }
  }
  return "SanitizeFailure";
}

/** Roughly the Display text of a Rust TransactionError, used in RPC error messages. */
export function describeTxError(err: RpcTransactionError): string {
  if (typeof err === "string") {
    if (err === "BlockhashNotFound") return "Blockhash not found";
    if (err === "AlreadyProcessed") return "This transaction has already been processed";
    if (err === "InsufficientFundsForFee") return "Insufficient funds for fee";
    return err;
  }
  const ie = err["InstructionError"];
  if (Array.isArray(ie)) {
    const [index, detail] = ie as [number, unknown];
    let text: string;
    if (detail && typeof detail === "object" && "Custom" in detail) {
      text = `custom program error: 0x${Number((detail as { Custom: number }).Custom).toString(16)}`;
    } else {
      text = String(detail);
    }
    return `Error processing Instruction ${index}: ${text}`;
  }
  return JSON.stringify(err);
}

/** A JSON-RPC error the fake answers with (`{code, message, data}`). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/** The -32002 "Transaction simulation failed" error sendTransaction answers when preflight fails. */
export function preflightError(sim: { err: RpcTransactionError | null; logs: string[]; unitsConsumed: number }): RpcError {
  const err = sim.err ?? "SanitizeFailure";
  return new RpcError(-32002, `Transaction simulation failed: ${describeTxError(err)}`, {
    err,
    logs: sim.logs,
    accounts: null,
    unitsConsumed: sim.unitsConsumed,
    returnData: null,
    innerInstructions: null,
  });
}
