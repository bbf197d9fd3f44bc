import OpsAPI
import LumaAuth

/// Who may read the outbox status (operators and the integrity checker) and re-queue failed
/// deliveries (operators only).
public enum OperationsAccess {
    public static let policy = AccessPolicy([
        (Luma_Ops_V1_OperationsService.Method.outboxStatus.descriptor, .adminOrService),
        (Luma_Ops_V1_OperationsService.Method.retryFailed.descriptor, .admin),
    ])
}
