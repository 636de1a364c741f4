/// A compiled schema: the node arena and what evaluation needs besides it. Immutable once built,
/// so one program is shared by every validation on every thread.
final class SchemaProgram: Sendable {
    let nodes: [SchemaNode]
    let root: NodeID
    let resources: [SchemaResource]
    /// Some `$dynamicRef` may resolve through the dynamic scope, so evaluation tracks it.
    let usesDynamicScope: Bool
    let regexStepLimit: Int

    init(nodes: [SchemaNode], root: NodeID, resources: [SchemaResource], usesDynamicScope: Bool, regexStepLimit: Int) {
        self.nodes = nodes
        self.root = root
        self.resources = resources
        self.usesDynamicScope = usesDynamicScope
        self.regexStepLimit = regexStepLimit
    }
}
