package label

// xattrName is the extended attribute for labels, in reverse-DNS form as
// macOS attributes are named.
const xattrName = "com.parapet.label"
