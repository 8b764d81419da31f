// Whether a Docker engine answers (testcontainers' own check): decides testcontainers vs embedded PostgreSQL.
export async function dockerEngineAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}
