import Testing

@Test func placeholderInfinipostTests() {}
