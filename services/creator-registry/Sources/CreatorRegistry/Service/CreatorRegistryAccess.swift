import CreatorsAPI
import LumaAuth
import LumaServiceKit

/// Who may call each creator-registry method.
public enum CreatorRegistryAccess {
    typealias M = Luma_Creators_V1_CreatorRegistryService.Method

    public static let policy = AccessPolicy([
        (M.createUser.descriptor, .admin),
        (M.getUser.descriptor, .adminOrService),
        (M.listUsers.descriptor, .admin),
        (M.deleteUser.descriptor, .admin),
        (M.setPassword.descriptor, .admin),
        // Sign-in checks come from the studio (a service).
        (M.verifyPassword.descriptor, .adminOrService),
        (M.createCreator.descriptor, .admin),
        (M.getCreator.descriptor, .adminOrService),
        (M.updateCreator.descriptor, .admin),
        (M.listCreators.descriptor, .adminOrService),
        (M.deactivateCreator.descriptor, .admin),
        (M.deleteCreator.descriptor, .admin),
        // Foreign-key checks and the integrity walk come from content-pipeline.
        (M.findEligible.descriptor, .adminOrService),
        (M.checkCreator.descriptor, .adminOrService),
        (M.checkIntegrity.descriptor, .adminOrService),
    ]).merging(OperationsAccess.policy)
}
