import LumaAuth

/// Who may read the outbox status.
public enum OperationsAccess {
    public static let policy = AccessPolicy([
        (Luma_Ops_V1_OperationsService.Method.outboxStatus.descriptor, .adminOrService),
    ])
}
