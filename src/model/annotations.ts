// An envoy-injector.io annotation as the pod or its namespace set it, and a
// problem found in one: every refusal names the annotation and where it came from.

export type AnnotationOwner = 'pod' | 'namespace';

export interface AnnotationValue {
  annotation: string;
  value: string;
  from: AnnotationOwner;
}

/** One annotation as the pod and as its namespace set it. */
export interface AnnotationSources {
  pod?: AnnotationValue;
  namespace?: AnnotationValue;
}

export interface AnnotationProblem {
  annotation: string;
  from: AnnotationOwner;
  /** Path inside a structured value, e.g. virtual_hosts[0].routes[1].route.timeout. */
  field?: string;
  message: string;
}

export function formatAnnotationProblem(problem: AnnotationProblem): string {
  const owner = problem.from === 'namespace' ? 'namespace annotation' : 'annotation';
  return `${owner} ${problem.annotation}${problem.field ? ` at ${problem.field}` : ''}: ${problem.message}`;
}
