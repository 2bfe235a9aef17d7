import { Node, Project, type Expression, type SourceFile } from "ts-morph";
import type { JsonPath } from "./diagnostic.ts";
import type { Position } from "./locate.ts";

/**
 * Maps JSON paths to positions in a TypeScript config, syntactically (no type checker):
 * start from the object passed to `defineConfig(...)` (or the default-exported object),
 * then follow property assignments and array elements along the path. Identifiers are
 * followed to their `const` initializer in the same file; a spread or anything else
 * that cannot be followed stops the walk at the nearest ancestor found.
 */
export function locateInTypescript(file: string, source: string, paths: JsonPath[]): Position[] {
  const project = new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    compilerOptions: { allowJs: true },
  });
  const sourceFile = project.createSourceFile(file, source, { overwrite: true });
  const root = findConfigRoot(sourceFile);
  const positionOf = (node: Node): Position => {
    const { line, column } = sourceFile.getLineAndColumnAtPos(node.getStart());
    return { line, column };
  };
  return paths.map((path) => {
    if (root === undefined) return { line: 1, column: 1 };
    let node: Node = root;
    let position = positionOf(root);
    for (const segment of path) {
      const step = walk(node, segment, sourceFile);
      if (step === undefined) break;
      position = positionOf(step.anchor);
      node = step.value;
    }
    return position;
  });
}

function findConfigRoot(sourceFile: SourceFile): Node | undefined {
  for (const assignment of sourceFile.getExportAssignments()) {
    if (!assignment.isExportEquals()) return resolveValue(assignment.getExpression(), sourceFile);
  }
  let call: Node | undefined;
  sourceFile.forEachDescendant((node, traversal) => {
    if (Node.isCallExpression(node) && calleeName(node.getExpression()) === "defineConfig") {
      call = node;
      traversal.stop();
    }
  });
  return call === undefined ? undefined : resolveValue(call, sourceFile);
}

function calleeName(expression: Node): string | undefined {
  if (Node.isIdentifier(expression)) return expression.getText();
  if (Node.isPropertyAccessExpression(expression)) return expression.getName();
  return undefined;
}

/**
 * Looks through wrappers to the expression that holds the value: parentheses, `as`,
 * `satisfies`, `!`, a `defineConfig(...)` call, and identifiers bound by a `const` in this file.
 */
function resolveValue(node: Node, sourceFile: SourceFile, depth = 0): Node {
  if (depth > 20) return node;
  if (
    Node.isParenthesizedExpression(node) ||
    Node.isAsExpression(node) ||
    Node.isSatisfiesExpression(node) ||
    Node.isNonNullExpression(node) ||
    Node.isTypeAssertion(node)
  ) {
    return resolveValue(node.getExpression(), sourceFile, depth + 1);
  }
  if (Node.isCallExpression(node) && calleeName(node.getExpression()) === "defineConfig") {
    const [argument] = node.getArguments();
    return argument === undefined ? node : resolveValue(argument, sourceFile, depth + 1);
  }
  if (Node.isIdentifier(node)) {
    const initializer = sourceFile.getVariableDeclaration(node.getText())?.getInitializer();
    return initializer === undefined ? node : resolveValue(initializer, sourceFile, depth + 1);
  }
  return node;
}

interface Step {
  /** Where to point for this path segment (a property's name, an array element). */
  anchor: Node;
  /** The node holding the segment's value, to continue the walk from. */
  value: Node;
}

function walk(node: Node, segment: string | number, sourceFile: SourceFile): Step | undefined {
  if (Node.isObjectLiteralExpression(node)) {
    // The last definition of a property wins in JavaScript, so search from the end.
    const properties = node.getProperties();
    for (let index = properties.length - 1; index >= 0; index--) {
      const property = properties[index]!;
      if (Node.isSpreadAssignment(property)) {
        const spread = resolveValue(property.getExpression(), sourceFile);
        const found = Node.isObjectLiteralExpression(spread) ? walk(spread, segment, sourceFile) : undefined;
        if (found !== undefined) return found;
        if (!Node.isObjectLiteralExpression(spread)) return undefined; // unknown contents: stop here
        continue;
      }
      if (
        (Node.isPropertyAssignment(property) ||
          Node.isShorthandPropertyAssignment(property) ||
          Node.isMethodDeclaration(property)) &&
        propertyName(property.getNameNode()) === String(segment)
      ) {
        const nameNode = property.getNameNode();
        if (Node.isPropertyAssignment(property)) {
          const initializer = property.getInitializer();
          return { anchor: nameNode, value: initializer === undefined ? nameNode : resolveValue(initializer, sourceFile) };
        }
        if (Node.isShorthandPropertyAssignment(property)) {
          return { anchor: nameNode, value: resolveValue(nameNode, sourceFile) };
        }
        return { anchor: nameNode, value: property };
      }
    }
    return undefined;
  }
  if (Node.isArrayLiteralExpression(node) && typeof segment === "number") {
    const elements = node.getElements();
    // After a spread, source indexes no longer match runtime indexes.
    if (elements.slice(0, segment + 1).some((element) => Node.isSpreadElement(element))) return undefined;
    const element: Expression | undefined = elements[segment];
    if (element === undefined) return undefined;
    return { anchor: element, value: resolveValue(element, sourceFile) };
  }
  return undefined;
}

function propertyName(name: Node): string | undefined {
  if (Node.isIdentifier(name) || Node.isPrivateIdentifier(name)) return name.getText();
  if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name) || Node.isNumericLiteral(name)) {
    return name.getLiteralText();
  }
  if (Node.isComputedPropertyName(name)) {
    const expression = name.getExpression();
    if (Node.isStringLiteral(expression) || Node.isNoSubstitutionTemplateLiteral(expression)) return expression.getLiteralText();
  }
  return undefined;
}
