// Loads an ontology with the OWL API (offline: imports resolved only through an XML catalog, never fetched) and
// prints what tests/test_owl.py checks: the ontologies of the imports closure, the OWL 2 DL profile violations, and
// the OWL types that the ontology gives to the IRIs named on the command line.
//
//   java -cp CLASSPATH OwlCheck FILE [--catalog catalog-v001.xml] [IRI ...]
//
// Output, one fact per line: "ontology <IRI> <axiom count>", "violation <kind> <text>", "type <IRI> <EntityType>",
// "violations <count>". Exit status 0 when it loaded, 1 when it did not.
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLEntity;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.SimpleIRIMapper;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public class OwlCheck {
    public static void main(String[] args) throws Exception {
        File file = new File(args[0]);
        File catalog = null;
        List<String> iris = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--catalog")) {
                catalog = new File(args[++i]);
            } else {
                iris.add(args[i]);
            }
        }
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        manager.getIRIMappers().clear(); // no web, no guessing: only the catalog's mappings
        if (catalog != null) {
            NodeList uris = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(catalog)
                .getElementsByTagName("uri");
            for (int i = 0; i < uris.getLength(); i++) {
                Element uri = (Element) uris.item(i);
                File target = new File(catalog.getParentFile(), uri.getAttribute("uri"));
                manager.getIRIMappers().add(new SimpleIRIMapper(IRI.create(uri.getAttribute("name")),
                                                                IRI.create(target.getCanonicalFile())));
            }
        }
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.THROW_EXCEPTION);
        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(file), config);
        } catch (Exception exc) {
            System.out.println("error " + exc.toString().replace("\n", " "));
            System.exit(1);
            return;
        }
        ontology.importsClosure().forEach(o -> System.out.println(
            "ontology " + o.getOntologyID().getOntologyIRI().map(IRI::toString).orElse("(anonymous)")
            + " " + o.getAxiomCount()));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println("violation " + violation.getClass().getSimpleName() + " "
                               + violation.toString().replace('\n', ' '));
        }
        for (String iri : iris) {
            ontology.importsClosure().flatMap(o -> o.entitiesInSignature(IRI.create(iri))).distinct()
                .map(OWLEntity::getEntityType).map(Object::toString).sorted()
                .forEach(type -> System.out.println("type " + iri + " " + type));
        }
        System.out.println("violations " + report.getViolations().size());
    }
}
