import Testing

@testable import Engine

@Suite struct TaskSliceTests {
    @Test(arguments: ["0/1", "3/4", "0/4", "99/100"])
    func validTasks(text: String) {
        #expect(TaskSlice(text)?.description == text)
    }

    @Test(arguments: ["3/3", "x", "1/0", "-1/2", "1/", "/2", "1/2/3", "", " 1/2", "1/2 ", "+1/2"])
    func invalidTasks(text: String) {
        #expect(TaskSlice(text) == nil)
    }
}
