import Foundation
import Testing
import TestSupport

/// The peer corpus is optional on a developer's fresh clone (its suites are skipped, each saying
/// so) but required in CI, which has it beside the clone.
@Suite struct CorpusPresenceTests {
    @Test func corpusIsPresentWhereCIRequiresIt() {
        if !Corpus.isAvailable {
            print("mqscope tests: peer corpus absent at \(Corpus.directory.path); the suites that need it are skipped "
                  + "(set \(Corpus.environmentVariable) or put it at ../shared/corpus/external to run them)")
        }
        #expect(Corpus.isAvailable || !Corpus.isRequiredByEnvironment,
                "CI=true but the peer corpus is absent at \(Corpus.directory.path): CI must run the suites that need it")
    }
}
