import { useMemo, useState } from 'react';
import { makeClient, session } from './api.js';
import { navigate, useHashRoute } from './hooks.js';
import { Header } from './components/Header.js';
import { SignIn } from './pages/SignIn.js';
import { ClusterList } from './pages/ClusterList.js';
import { ClusterDetail } from './pages/ClusterDetail.js';
import { CreateCluster } from './pages/CreateCluster.js';

export function App() {
  const [token, setToken] = useState(session.token);
  const [project, setProject] = useState(session.project);
  const kaas = useMemo(() => (token ? makeClient(token) : undefined), [token]);
  const route = useHashRoute();

  if (!kaas || !token || !project) {
    return (
      <SignIn
        onSignedIn={(t, p) => {
          session.save(t, p);
          setToken(t);
          setProject(p);
          navigate('/');
        }}
      />
    );
  }
  const signOut = () => {
    session.clear();
    setToken(null);
    setProject(null);
  };
  const changeProject = (p: string) => {
    session.save(token, p);
    setProject(p);
    navigate('/');
  };
  const clusterName = /^\/clusters\/([^/]+)$/.exec(route)?.[1];
  const page = clusterName ? (
    <ClusterDetail kaas={kaas} project={project} name={decodeURIComponent(clusterName)} />
  ) : route === '/new' ? (
    <CreateCluster kaas={kaas} project={project} />
  ) : (
    <ClusterList kaas={kaas} project={project} />
  );
  return (
    <>
      <Header kaas={kaas} project={project} onProject={changeProject} onSignOut={signOut} />
      <main>{page}</main>
    </>
  );
}
