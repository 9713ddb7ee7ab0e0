import Testing

@testable import Engine

/// Task marks in DEST name a task as `--task` takes it: a mark with 0 tasks, an index past its
/// count or 10^18 tasks (which overflowed when units were shared out) is not a mark.
@Suite struct JournalLimitsTests {
    @Test(arguments: [
        "scale0.task5of0.done", "scale0.task3of3.done", "scale0.task0of1000000000000000000.done",
        "scale-1.task0of2.done", "scale0.task-1of2.done", "scale0.task+1of2.done",
    ])
    func badMarksAreIgnored(name: String) {
        #expect(TaskJournal.parse(name) == nil)
    }

    @Test func goodMarksStillParse() {
        #expect(TaskJournal.parse("scale2.task999999of1000000.done")?.count == 1_000_000)
    }
}
