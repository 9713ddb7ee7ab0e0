extension String {
    /// Without leading and trailing whitespace, as Python's `str.strip()` (Unicode whitespace,
    /// scalar by scalar): the text headers (AFNI .HEAD, PAR) are parsed as nibabel parses them.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
