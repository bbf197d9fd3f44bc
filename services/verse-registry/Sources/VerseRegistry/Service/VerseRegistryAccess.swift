import LumaAuth
import VersesAPI

/// Who may call each verse-registry method.
public enum VerseRegistryAccess {
    typealias M = Luma_Verses_V1_VerseRegistryService.Method

    public static let policy = AccessPolicy([
        (M.validateReference.descriptor, .anyRole),
        (M.getPassage.descriptor, .anyRole),
        (M.listTranslations.descriptor, .anyRole),
        (M.searchTopics.descriptor, .anyRole),
        (M.listCategories.descriptor, .anyRole),
        (M.isUsed.descriptor, .anyRole),
        (M.listUsed.descriptor, .adminOrService),
        (M.usageStats.descriptor, .adminOrService),
        (M.importTranslation.descriptor, .admin),
        (M.deleteTranslation.descriptor, .admin),
        (M.upsertCategory.descriptor, .admin),
        (M.deleteCategory.descriptor, .admin),
        (M.listCategoryPicks.descriptor, .anyRole),
        (M.pinVerse.descriptor, .admin),
        (M.excludeVerse.descriptor, .admin),
        (M.clearVerseOverride.descriptor, .admin),
        // Ledger writes come from content-pipeline (or an operator).
        (M.claimVerse.descriptor, .adminOrService),
        (M.claimNextUnused.descriptor, .adminOrService),
        (M.releaseForContent.descriptor, .adminOrService),
        (M.listContentIds.descriptor, .adminOrService),
        (M.verifyClaims.descriptor, .adminOrService),
    ])
}
