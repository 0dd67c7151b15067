/** An API error shown where it happened, in the services' own words. */
export function ErrorMessage({ message, testId }: { message: string | null | undefined; testId?: string }) {
  if (!message) return null;
  return (
    <p className="error-message" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}
