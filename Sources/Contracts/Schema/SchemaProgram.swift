/// A compiled schema: the node arena and what evaluation needs besides it. Immutable once built,
/// so one program is shared by every validation on every thread.
final class SchemaProgram: Sendable {
    let nodes: [SchemaNode]
    let keywords: [Keyword]
    let tables: SchemaTables
    let root: NodeID
    let resources: [SchemaResource]
    /// Some `$dynamicRef` may resolve through the dynamic scope, so evaluation tracks it.
    let usesDynamicScope: Bool
    let regexStepLimit: Int

    init(compiler: SchemaCompiler, root: NodeID, regexStepLimit: Int) {
        nodes = compiler.nodes
        keywords = compiler.keywords
        tables = compiler.tables
        resources = compiler.resources
        usesDynamicScope = compiler.usesDynamicScope
        self.root = root
        self.regexStepLimit = regexStepLimit
    }
}
