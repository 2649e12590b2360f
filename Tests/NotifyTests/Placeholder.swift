import Testing

@Test func placeholderNotifyTests() {}
