package label

// xattrName is the extended attribute for labels. Unprivileged processes
// may only set attributes in the user namespace on Linux.
const xattrName = "user.parapet.label"
