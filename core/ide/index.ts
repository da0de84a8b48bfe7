// The IDE features of core/: each takes an Analysis and offsets and returns plain data.
// The language server converts these to the protocol; nothing here knows LSP.

export { analyze, Analysis } from './analysis';
export { complete, type CompletionItem, type CompletionKind, type CompletionResult } from './completion';
export { hover, type Hover } from './hover';
export { signatureHelp, type SignatureHelp, type SignatureParameter } from './signature';
export { definition, references, highlights, prepareRename, rename, type Highlight, type RenameCheck, type RenameResult } from './navigation';
export { outline, workspaceSymbols, type OutlineKind, type OutlineSymbol, type WorkspaceSymbol } from './outline';
export { foldingRanges, type FoldingRange } from './folding';
export { semanticTokens, TOKEN_MODIFIERS, TOKEN_TYPES, type SemanticToken, type TokenModifier, type TokenType } from './semanticTokens';
export { formatEdits, formatText } from './format';
export { heldLockHints, type InlayHint } from './inlayHints';
export { codeActions, type CodeAction } from './codeActions';
export { codeLenses, verdictTitle, type CodeLens, type LensCommand, type VerdictSummary } from './codeLens';
export { applyEdits, type TextEdit } from './edits';
export type { HeldLock, HeldLocks } from './heldLocks';
